-- The SQL of one place_order (store-checkout with an Idempotency-Key), as captured
-- from Django (CaptureQueriesContext) on a real placement: orders/services/checkout.py
-- and orders/services/payment.py start_payment, with the sandbox provider's own
-- statements (marketplace/payments/sandbox), since in this deployment the provider
-- shares the database. Literals are replaced by pgbench variables.
--
-- Cart: 3 lines from 3 vendors (the mean of the HTTP benchmark's random 1-5 lines).
-- Variables given by the harness with -D: vlo, vhi (variant ids), ulo, uhi
-- (shopper user ids; their address id is the user id - aoff), dlo, dhi (vendor ids), alo, ahi (sandbox payee account ids).
-- A cart with a commission-model vendor's line also reads the category tree's rates
-- (orders/services/terms.py); the script includes that read.
-- The rules in force come from the cache (RULES_CACHE_SECONDS), not a query.
-- The sandbox's payee accounts are read by id here (the code reads them by their
-- unique account_id, which the script has no variable for): one index lookup either way.
-- Placement writes no ledger rows and no outbox row (money moves at capture), so
-- neither appears here. bench/ceiling.py re-captures a real placement on every run
-- and reports when its statements no longer match the ones below.
\set third (:vhi - :vlo) / 3
\set v1 random(:vlo, :vlo + :third - 1)
\set v2 random(:vlo + :third, :vlo + 2 * :third - 1)
\set v3 random(:vlo + 2 * :third, :vhi)
\set q1 random(1, 3)
\set q2 random(1, 3)
\set q3 random(1, 3)
\set uid random(:ulo, :uhi)
\set addr :uid - :aoff
\set dthird (:dhi - :dlo) / 3
\set d1 random(:dlo, :dlo + :dthird - 1)
\set d2 random(:dlo + :dthird, :dlo + 2 * :dthird - 1)
\set d3 random(:dlo + 2 * :dthird, :dhi)
\set athird (:ahi - :alo) / 3
\set a1 random(:alo, :alo + :athird - 1)
\set a2 random(:alo + :athird, :alo + 2 * :athird - 1)
\set a3 random(:alo + 2 * :athird, :ahi)
\set k random(1, 999999999999999)
\set lt1 116900 * :q1
\set lt2 116900 * :q2
\set lt3 116900 * :q3
\set vs1 89900 * :q1
\set vs2 89900 * :q2
\set vs3 89900 * :q3
\set total :lt1 + :lt2 + :lt3
-- 1. The order, in one transaction (the idempotency key is claimed with RETURNING).
BEGIN;
INSERT INTO "common_idempotencykey" ("user_id", "scope", "key", "request_hash", "response_status", "response_body", "created_at", "expires_at") VALUES (:uid, 'checkout', 'pgb-:k', '3177956afbaa47d7ca2238e8eca209c5b05e9a62432599aa190122ac634f3df9', NULL, NULL, now(), now() + interval '1 day') ON CONFLICT DO NOTHING RETURNING id \gset idem_
SELECT "orders_address"."id", "orders_address"."recipient", "orders_address"."phone", "orders_address"."country_code", "orders_address"."province_code", "orders_address"."city_code", "orders_address"."district_code", "orders_address"."detail", "orders_address"."postal_code", "orders_address"."user_id", "orders_address"."label", "orders_address"."is_default", "orders_address"."created_at" FROM "orders_address" WHERE "id" = :addr AND "user_id" = :uid;
SELECT "catalog_variant"."id", "catalog_variant"."product_id", "catalog_variant"."sku", "catalog_variant"."attributes", "catalog_variant"."currency", "catalog_variant"."retail_price", "catalog_variant"."supply_price", "catalog_variant"."retail_price_by_operator", "catalog_variant"."stock_on_hand", "catalog_variant"."stock_reserved", "catalog_variant"."weight_grams", "catalog_variant"."is_active", "catalog_variant"."position", "catalog_variant"."created_at", "catalog_product"."id", "catalog_product"."vendor_id", "catalog_product"."category_id", "catalog_product"."title_en", "catalog_product"."title_zh", "catalog_product"."description_en", "catalog_product"."description_zh", "catalog_product"."status", "catalog_product"."status_reason", "catalog_product"."is_featured", "catalog_product"."search_vector", "catalog_product"."created_at", "catalog_product"."updated_at", "catalog_product"."published_at", "vendors_vendor"."id", "vendors_vendor"."recipient", "vendors_vendor"."phone", "vendors_vendor"."country_code", "vendors_vendor"."province_code", "vendors_vendor"."city_code", "vendors_vendor"."district_code", "vendors_vendor"."detail", "vendors_vendor"."postal_code", "vendors_vendor"."name_en", "vendors_vendor"."name_zh", "vendors_vendor"."slug", "vendors_vendor"."description_en", "vendors_vendor"."description_zh", "vendors_vendor"."company_name", "vendors_vendor"."contact_name", "vendors_vendor"."contact_phone", "vendors_vendor"."contact_email", "vendors_vendor"."business_licence_number", "vendors_vendor"."licence_image", "vendors_vendor"."pricing_model", "vendors_vendor"."commission_bps_override", "vendors_vendor"."deposit_required", "vendors_vendor"."deposit_overridden", "vendors_vendor"."currency", "vendors_vendor"."shipping_fee", "vendors_vendor"."free_shipping_threshold", "vendors_vendor"."status", "vendors_vendor"."status_reason", "vendors_vendor"."created_at", "vendors_vendor"."submitted_at", "vendors_vendor"."approved_at", "catalog_category"."id", "catalog_category"."parent_id", "catalog_category"."name_en", "catalog_category"."name_zh", "catalog_category"."slug", "catalog_category"."path", "catalog_category"."position", "catalog_category"."commission_bps", "catalog_category"."is_active", "orders_vendorpayee"."account_ref" FROM "catalog_variant" INNER JOIN "catalog_product" ON ("catalog_variant"."product_id" = "catalog_product"."id") INNER JOIN "vendors_vendor" ON ("catalog_product"."vendor_id" = "vendors_vendor"."id") INNER JOIN "catalog_category" ON ("catalog_product"."category_id" = "catalog_category"."id") LEFT OUTER JOIN "orders_vendorpayee" ON ("vendors_vendor"."id" = "orders_vendorpayee"."vendor_id" AND "orders_vendorpayee"."provider" = 'sandbox') WHERE "catalog_variant"."id" = ANY('{:v1,:v2,:v3}'::int4[]::bigint[]) ORDER BY "catalog_variant"."id" FOR UPDATE OF "catalog_variant";
SELECT "id", "commission_bps" FROM "catalog_category" WHERE "commission_bps" IS NOT NULL AND "id" = ANY('{10,11}'::int2[]::bigint[]);
WITH wanted AS (SELECT * FROM unnest('{:v1,:v2,:v3}'::int4[]::bigint[], '{:q1,:q2,:q3}'::int2[]::integer[]) AS w(id, q)), locked AS (SELECT v.id FROM catalog_variant v WHERE v.id = ANY('{:v1,:v2,:v3}'::int4[]::bigint[]) ORDER BY v.id FOR UPDATE) UPDATE catalog_variant v SET stock_reserved = v.stock_reserved + w.q FROM wanted w JOIN locked l ON l.id = w.id WHERE v.id = w.id AND v.stock_on_hand - v.stock_reserved >= w.q RETURNING v.id, v.product_id;
INSERT INTO "orders_order" ("recipient", "phone", "country_code", "province_code", "city_code", "district_code", "detail", "postal_code", "number", "shopper_id", "status", "currency", "items_total", "shipping_total", "discount_total", "grand_total", "refunded_total", "payment_provider", "payment_reference", "payment_url", "created_at", "expires_at", "paid_at", "cancelled_at") VALUES ('Shopper', '13800138000', 'CN', '330000', '330100', '330106', '西湖区文三路 14 号', '310000', 'PGB:k', :uid, 'pending_payment', 'CNY', :total, 0, 0, :total, 0, '', '', '', now(), now() + interval '30 minutes', NULL, NULL) RETURNING "orders_order"."id" AS order_id \gset
INSERT INTO "orders_vendororder" ("order_id", "vendor_id", "status", "currency", "items_total", "shipping_fee", "discount_total", "total", "vendor_share_total", "refunded_total", "created_at", "paid_at", "accepted_at", "shipped_at", "delivered_at", "completed_at", "cancelled_at", "auto_complete_at", "completion_paused", "completion_paused_at") VALUES (:order_id, :d1, 'pending_payment', 'CNY', :lt1, 0, 0, :lt1, :vs1, 0, '2026-11-25 14:03:52.420581+00:00'::timestamptz, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL), (:order_id, :d2, 'pending_payment', 'CNY', :lt2, 0, 0, :lt2, :vs2, 0, '2026-11-25 14:03:52.420581+00:00'::timestamptz, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL), (:order_id, :d3, 'pending_payment', 'CNY', :lt3, 0, 0, :lt3, :vs3, 0, '2026-11-25 14:03:52.420581+00:00'::timestamptz, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL) RETURNING "orders_vendororder"."id" \aset vo_
INSERT INTO "orders_orderline" ("vendor_order_id", "variant_id", "product_title_en", "product_title_zh", "sku", "attributes", "unit_price", "quantity", "line_total", "tax_rate_bps", "pricing_model", "supply_price", "commission_bps", "vendor_share") VALUES (:vo_id, :v1, 'Qinghe Lite phone for students', '青禾 Lite 学生手机', 'DIG-003-05', '{"colour": "White", "capacity": "64 GB"}'::jsonb, 116900, :q1, :lt1, 0, 'supply_price', 89900, NULL, :vs1), (:vo_id, :v2, 'Qinghe Lite phone for students', '青禾 Lite 学生手机', 'DIG-003-05', '{"colour": "White", "capacity": "64 GB"}'::jsonb, 116900, :q2, :lt2, 0, 'supply_price', 89900, NULL, :vs2), (:vo_id, :v3, 'Qinghe Lite phone for students', '青禾 Lite 学生手机', 'DIG-003-05', '{"colour": "White", "capacity": "64 GB"}'::jsonb, 116900, :q3, :lt3, 0, 'supply_price', 89900, NULL, :vs3) RETURNING "orders_orderline"."id";
INSERT INTO "orders_orderevent" ("actor_id", "from_status", "to_status", "reason", "created_at", "order_id", "vendor_order_id") VALUES (:uid, '', 'pending_payment', '', '2026-11-25 14:03:52.420581+00:00'::timestamptz, :order_id, NULL), (:uid, '', 'pending_payment', '', '2026-11-25 14:03:52.420581+00:00'::timestamptz, :order_id, :vo_id), (:uid, '', 'pending_payment', '', '2026-11-25 14:03:52.420581+00:00'::timestamptz, :order_id, :vo_id), (:uid, '', 'pending_payment', '', '2026-11-25 14:03:52.420581+00:00'::timestamptz, :order_id, :vo_id) RETURNING "orders_orderevent"."id";
UPDATE "common_idempotencykey" SET "request_hash" = '3177956afbaa47d7ca2238e8eca209c5b05e9a62432599aa190122ac634f3df9', "response_status" = 201, "response_body" = '{"order_id": :order_id, "number": "PGB:k"}'::jsonb, "created_at" = now(), "expires_at" = now() + interval '1 day' WHERE "id" = :idem_id;
COMMIT;
-- 2. start_payment, after commit: the provider (the payee refs came with the variants).
UPDATE payments_sandboxfault SET remaining = remaining - 1 WHERE remaining > 0 AND id = (SELECT id FROM payments_sandboxfault  WHERE kind = ANY('{timeout_after_commit,server_error,rate_limited}') AND remaining > 0 AND operation IN ('', 'create_payment')  ORDER BY id LIMIT 1 FOR UPDATE) RETURNING kind;
BEGIN;
INSERT INTO payments_sandboxidempotencykey (key, operation, fingerprint, status_code, response, created_at) VALUES ('order-PGB:k-payment', 'create_payment', '925dc7250473d887a947953295ee5cf16988f4394e72e09cbb3a91f8f099a89d', 0, '{}', now()) ON CONFLICT (key) DO NOTHING RETURNING id;
SELECT "payments_sandboxaccount"."id", "payments_sandboxaccount"."account_id", "payments_sandboxaccount"."is_platform", "payments_sandboxaccount"."display_name", "payments_sandboxaccount"."email", "payments_sandboxaccount"."country", "payments_sandboxaccount"."currency", "payments_sandboxaccount"."details_submitted", "payments_sandboxaccount"."payouts_enabled", "payments_sandboxaccount"."available", "payments_sandboxaccount"."pending", "payments_sandboxaccount"."created_at" FROM "payments_sandboxaccount" WHERE "id" = ANY('{:a1,:a2,:a3}'::int4[]::bigint[]) AND NOT "is_platform";
INSERT INTO "payments_sandboxpayment" ("payment_id", "merchant_reference", "amount", "currency", "status", "amount_captured", "amount_refunded", "fee", "failure_code", "return_url", "description", "created_at", "updated_at") VALUES ('pay_pgb:k', 'PGB:k', :total, 'CNY', 'requires_payment', 0, 0, 0, '', '/orders/PGB:k/', 'Order PGB:k', now(), now()) RETURNING "payments_sandboxpayment"."id" AS pay_id \gset
INSERT INTO "payments_sandboxsplit" ("payment_id", "account_id", "sub_reference", "amount", "refunded", "settled", "unfrozen") VALUES (:pay_id, :a1, 'PGB:k-1', :lt1, 0, 0, 0), (:pay_id, :a2, 'PGB:k-2', :lt2, 0, 0, 0), (:pay_id, :a3, 'PGB:k-3', :lt3, 0, 0, 0) RETURNING "payments_sandboxsplit"."id";
UPDATE "payments_sandboxidempotencykey" SET "status_code" = 200, "response" = '{"object": "payment", "id": "pay_pgb:k", "livemode": false, "merchant_reference": "PGB:k", "status": "requires_payment", "amount": 350700, "currency": "CNY", "amount_captured": 0, "amount_refunded": 0, "fee": 0, "failure_code": "", "created": 1795615432, "next_action_url": "/sandbox/pay/pay_pgb:k/", "splits": [{"payee_ref": "acct_2b9766ced3f91a9a33885f7a", "sub_reference": "PGB:k-1", "amount": 116900, "refunded": 0, "settled": 0}, {"payee_ref": "acct_af5d347fe194874fffdc85a5", "sub_reference": "PGB:k-2", "amount": 233800, "refunded": 0, "settled": 0}, {"payee_ref": "acct_af5d347fe194874fffdc85a6", "sub_reference": "PGB:k-3", "amount": 116900, "refunded": 0, "settled": 0}]}'::jsonb WHERE "payments_sandboxidempotencykey"."key" = 'order-PGB:k-payment';
COMMIT;
UPDATE "orders_order" SET "payment_provider" = 'sandbox', "payment_reference" = 'pay_pgb:k', "payment_url" = '/sandbox/pay/pay_pgb:k/' WHERE "id" = :order_id AND "payment_reference" = '';
