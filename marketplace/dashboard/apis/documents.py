"""Vendor API for documents and bulk data: packing slips and statement PDFs,
product imports (upload, progress, bad rows) and the products export.

Scoped by ``self.vendor``: another vendor's order or import is simply not found
(404). Statements are for owners; the rest for any member of an approved vendor.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from marketplace.catalog import selectors as catalog_selectors
from marketplace.catalog import spreadsheets
from marketplace.catalog.models import ProductImport
from marketplace.catalog.services.imports import start_product_import
from marketplace.common.pagination import CursorPagination
from marketplace.common.schema import problem
from marketplace.dashboard.documents import packing_slips_pdf, statement_pdf
from marketplace.dashboard.scope import IsVendorOwner, VendorAPIView
from orders.selectors import list_vendor_orders_to_pack
from vendors.selectors_statements import get_vendor_statement, month_bounds

INVALID = problem(400, "The input is not valid; ``errors`` names the fields.")
NO_ORDER = problem(404, "No such paid order of your vendor.")
NO_IMPORT = problem(404, "No such import of your vendor.")
PDF = {(200, "application/pdf"): OpenApiTypes.BINARY}
MAX_SLIPS = 200
MAX_STATEMENT_DAYS = 3 * 366
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class VendorPackingSlipApi(VendorAPIView):
    @extend_schema(
        operation_id="vendor_orders_packing_slip",
        responses={**PDF, **NO_ORDER},
    )
    def get(self, request, vendor_order_id):
        orders = list_vendor_orders_to_pack(
            vendor=self.vendor, vendor_order_ids=[vendor_order_id]
        )
        content = packing_slips_pdf(vendor=self.vendor, vendor_orders=orders)
        return _pdf(content, f"packing-slip-{orders[0].order.number}.pdf")


class PackingSlipsQuery(serializers.Serializer):
    vendor_order = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=MAX_SLIPS,
        help_text="The vendor order ids, repeated: ?vendor_order=1&vendor_order=2.",
    )


class VendorPackingSlipsApi(VendorAPIView):
    @extend_schema(
        operation_id="vendor_orders_packing_slips",
        parameters=[PackingSlipsQuery],
        responses={**PDF, **INVALID, **NO_ORDER},
    )
    def get(self, request):
        query = PackingSlipsQuery(
            data={"vendor_order": request.query_params.getlist("vendor_order")}
        )
        query.is_valid(raise_exception=True)
        orders = list_vendor_orders_to_pack(
            vendor=self.vendor, vendor_order_ids=query.validated_data["vendor_order"]
        )
        content = packing_slips_pdf(vendor=self.vendor, vendor_orders=orders)
        return _pdf(content, "packing-slips.pdf")


class PeriodQuery(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False)
    start = serializers.DateField(required=False, help_text="First day, included.")
    end = serializers.DateField(required=False, help_text="Last day, included.")

    def validate(self, data):
        start, end = data.get("start"), data.get("end")
        if bool(start) != bool(end):
            raise serializers.ValidationError(
                {"end": "Give both the first and the last day."}
            )
        if start and (end < start or (end - start).days > MAX_STATEMENT_DAYS):
            raise serializers.ValidationError(
                {"end": "The last day must be after the first, at most 3 years later."}
            )
        return data

    def bounds(self):
        data = self.validated_data
        if data.get("start"):
            return data["start"], data["end"] + timedelta(days=1)
        month = data.get("month") or timezone.localdate().strftime("%Y-%m")
        year, number = (int(part) for part in month.split("-"))
        return month_bounds(year, number)


class VendorStatementPdfApi(VendorAPIView):
    permission_classes = [IsVendorOwner]

    @extend_schema(
        operation_id="vendor_statement_pdf",
        parameters=[PeriodQuery],
        responses={**PDF, **INVALID},
    )
    def get(self, request):
        query = PeriodQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.bounds()
        statement = get_vendor_statement(vendor=self.vendor, start=start, end=end)
        content = statement_pdf(vendor=self.vendor, statement=statement)
        last = end - timedelta(days=1)
        return _pdf(content, f"statement-{start:%Y%m%d}-{last:%Y%m%d}.pdf")


class ImportErrorOut(serializers.Serializer):
    row = serializers.IntegerField(help_text="As in the file; the header is row 1.")
    column = serializers.CharField()
    message = serializers.CharField()


class ProductImportOut(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="pending, running, done or failed."
    )
    format = serializers.CharField(read_only=True, help_text="csv or xlsx.")

    class Meta:
        model = ProductImport
        fields = [
            "id",
            "original_name",
            "format",
            "status",
            "percent",
            "total_rows",
            "processed_rows",
            "products_created",
            "variants_created",
            "variants_updated",
            "error_rows",
            "failure_reason",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ProductImportDetailOut(ProductImportOut):
    errors = ImportErrorOut(many=True)

    class Meta(ProductImportOut.Meta):
        fields = [*ProductImportOut.Meta.fields, "errors"]
        read_only_fields = fields


class ProductImportIn(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv (UTF-8) or .xlsx sheet.")


class VendorProductImportListApi(VendorAPIView):
    pagination_class = CursorPagination
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="vendor_product_imports_list",
        responses={200: ProductImportOut(many=True)},
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            catalog_selectors.list_vendor_imports(vendor=self.vendor),
            request,
            view=self,
        )
        return paginator.get_paginated_response(ProductImportOut(page, many=True).data)

    @extend_schema(
        operation_id="vendor_product_imports_create",
        request={"multipart/form-data": ProductImportIn},
        responses={202: ProductImportDetailOut, **INVALID},
    )
    def post(self, request):
        data = ProductImportIn(data=request.data)
        data.is_valid(raise_exception=True)
        job = start_product_import(
            vendor=self.vendor, actor=request.user, upload=data.validated_data["file"]
        )
        return Response(ProductImportDetailOut(job).data, status=202)


class VendorProductImportDetailApi(VendorAPIView):
    @extend_schema(
        operation_id="vendor_product_imports_retrieve",
        responses={200: ProductImportDetailOut, **NO_IMPORT},
    )
    def get(self, request, import_id):
        job = catalog_selectors.get_vendor_import(
            vendor=self.vendor, import_id=import_id
        )
        return Response(ProductImportDetailOut(job).data)


class ExportQuery(serializers.Serializer):
    format = serializers.ChoiceField(choices=["csv", "xlsx"], default="csv")


class VendorProductExportApi(VendorAPIView):
    @extend_schema(
        operation_id="vendor_products_export",
        parameters=[ExportQuery],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX): OpenApiTypes.BINARY,
            **INVALID,
        },
    )
    def get(self, request):
        query = ExportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        variants = catalog_selectors.list_vendor_variants_for_export(vendor=self.vendor)
        if query.validated_data["format"] == "xlsx":
            response = HttpResponse(spreadsheets.xlsx_bytes(variants), XLSX)
            name = "products.xlsx"
        else:
            lines = spreadsheets.csv_lines(variants.iterator(chunk_size=2000))
            response = StreamingHttpResponse(lines, content_type="text/csv")
            name = "products.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


urlpatterns = [
    path(
        "orders/<int:vendor_order_id>/packing-slip/",
        VendorPackingSlipApi.as_view(),
        name="vendor-order-packing-slip",
    ),
    path(
        "orders/packing-slips/",
        VendorPackingSlipsApi.as_view(),
        name="vendor-packing-slips",
    ),
    path(
        "statement/pdf/", VendorStatementPdfApi.as_view(), name="vendor-statement-pdf"
    ),
    path(
        "product-imports/",
        VendorProductImportListApi.as_view(),
        name="vendor-product-imports",
    ),
    path(
        "product-imports/<int:import_id>/",
        VendorProductImportDetailApi.as_view(),
        name="vendor-product-import",
    ),
    path(
        "products/export/",
        VendorProductExportApi.as_view(),
        name="vendor-products-export",
    ),
]
