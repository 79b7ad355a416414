"""The ledger's rules, enforced by PostgreSQL itself rather than only by Python.

1. Every entry balances per currency: a deferred constraint trigger on postings sums
   the entry's postings in that currency at commit.
2. Postings are append-only: UPDATE and DELETE are refused; TRUNCATE of postings is
   refused unless the journal entries are emptied by the same statement (a whole-ledger
   reset, which is what Django's ``flush`` and the test database teardown do).
3. A posting's currency is its account's: a composite foreign key to
   ``ledger_account (id, currency)``.
4. Journal entries are never deleted, and the only change allowed is a pending entry
   becoming posted or voided (with its timestamp).

Errors use SQLSTATE class 23 (integrity constraint violation), so Django raises
``IntegrityError``.
"""

from django.db import migrations

BALANCE = """
CREATE FUNCTION ledger_entry_balances() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    total numeric;
BEGIN
    SELECT COALESCE(SUM(amount), 0) INTO total
      FROM ledger_posting
     WHERE entry_id = NEW.entry_id AND currency = NEW.currency;
    IF total <> 0 THEN
        RAISE EXCEPTION
            'ledger: journal entry % does not balance in %: its postings sum to %',
            NEW.entry_id, NEW.currency, total
            USING ERRCODE = 'check_violation',
                  HINT = 'The postings of an entry must sum to 0 in each currency.';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_posting_entry_balances
    AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_balances();
"""

BALANCE_REVERSE = """
DROP TRIGGER ledger_posting_entry_balances ON ledger_posting;
DROP FUNCTION ledger_entry_balances();
"""

APPEND_ONLY = """
CREATE FUNCTION ledger_posting_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: postings are append-only; % of a posting is refused', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Correct a posting with a new reversing entry.';
END $$;

CREATE TRIGGER ledger_posting_append_only
    BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_posting_append_only();

CREATE FUNCTION ledger_posting_truncate_only_with_entries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_journalentry) THEN
        RAISE EXCEPTION 'ledger: postings are append-only; TRUNCATE is refused'
            USING ERRCODE = 'restrict_violation',
                  HINT = 'Only a reset of the whole ledger (entries too) may truncate.';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER ledger_posting_no_truncate
    AFTER TRUNCATE ON ledger_posting
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_posting_truncate_only_with_entries();
"""

APPEND_ONLY_REVERSE = """
DROP TRIGGER ledger_posting_no_truncate ON ledger_posting;
DROP FUNCTION ledger_posting_truncate_only_with_entries();
DROP TRIGGER ledger_posting_append_only ON ledger_posting;
DROP FUNCTION ledger_posting_append_only();
"""

CURRENCY = """
ALTER TABLE ledger_posting
    ADD CONSTRAINT ledger_posting_currency_is_account_currency
    FOREIGN KEY (account_id, currency) REFERENCES ledger_account (id, currency);
"""

CURRENCY_REVERSE = """
ALTER TABLE ledger_posting DROP CONSTRAINT ledger_posting_currency_is_account_currency;
"""

ENTRY_TRANSITIONS = """
CREATE FUNCTION ledger_entry_transitions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger: journal entry % cannot be deleted', OLD.id
            USING ERRCODE = 'restrict_violation',
                  HINT = 'Reverse or void it with a service instead.';
    END IF;
    IF NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    IF OLD.status <> 'pending' OR NEW.status NOT IN ('posted', 'voided')
       OR (NEW.id, NEW.idempotency_key, NEW.kind, NEW.description, NEW.two_phase,
           NEW.reference_type, NEW.reference_id, NEW.reverses_id, NEW.metadata,
           NEW.created_at)
          IS DISTINCT FROM
          (OLD.id, OLD.idempotency_key, OLD.kind, OLD.description, OLD.two_phase,
           OLD.reference_type, OLD.reference_id, OLD.reverses_id, OLD.metadata,
           OLD.created_at)
    THEN
        RAISE EXCEPTION 'ledger: journal entry % cannot change from % to %', OLD.id,
            OLD.status, NEW.status
            USING ERRCODE = 'restrict_violation',
                  HINT = 'Only pending -> posted or voided, once, with its time.';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER ledger_entry_transitions
    BEFORE UPDATE OR DELETE ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_transitions();
"""

ENTRY_TRANSITIONS_REVERSE = """
DROP TRIGGER ledger_entry_transitions ON ledger_journalentry;
DROP FUNCTION ledger_entry_transitions();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunSQL(BALANCE, BALANCE_REVERSE),
        migrations.RunSQL(APPEND_ONLY, APPEND_ONLY_REVERSE),
        migrations.RunSQL(CURRENCY, CURRENCY_REVERSE),
        migrations.RunSQL(ENTRY_TRANSITIONS, ENTRY_TRANSITIONS_REVERSE),
    ]
