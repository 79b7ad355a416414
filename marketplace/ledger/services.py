"""Writes to the ledger: accounts, entries, and posting, voiding or reversing them.

Only these services touch the balance totals on ``Account``. Each booking locks the
accounts it moves in ascending id order (so two bookings never deadlock on each other)
and updates all their totals in one ``UPDATE ... SET x = x + delta`` statement; the
guard CHECK constraints judge the result, so two concurrent debits can never both pass.

Queries per ``record_entry`` (new key, any number of postings): 4 — insert the entry
(``ON CONFLICT DO NOTHING``), lock the accounts, bulk-insert the postings, update the
totals; plus SAVEPOINT/RELEASE when called inside another transaction. A replay of a
known key costs 3: the insert that does nothing, the entry, its postings.

Lock order across services: the entry row (post, void, reverse) before accounts. A
caller combining several bookings in one transaction locks its own business row first.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.common.errors import (
    Conflict,
    IdempotencyKeyReused,
    InvalidTransition,
    ValidationFailed,
)
from marketplace.common.money import MAX_AMOUNT, Money
from marketplace.ledger.models import CREDIT, KIND_RULES, Account, JournalEntry, Posting

_SLUG = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")
_OWNER_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
REVERSAL = "reversal"

# [debits_pending, credits_pending, debits_posted, credits_posted] per account id
Deltas = dict[int, list[int]]

_INSERT_ENTRY = """
    INSERT INTO ledger_journalentry
        (idempotency_key, kind, description, status, two_phase, reference_type,
         reference_id, reverses_id, metadata, created_at, posted_at, voided_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, NULL)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
"""

_INSERT_COLUMNS = (
    "idempotency_key",
    "kind",
    "description",
    "status",
    "two_phase",
    "reference_type",
    "reference_id",
    "reverses_id",
)

_APPLY_DELTAS = """
    UPDATE ledger_account AS a
       SET debits_pending = a.debits_pending + v.debits_pending,
           credits_pending = a.credits_pending + v.credits_pending,
           debits_posted = a.debits_posted + v.debits_posted,
           credits_posted = a.credits_posted + v.credits_posted
      FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[])
           AS v(id, debits_pending, credits_pending, debits_posted, credits_posted)
     WHERE a.id = v.id
"""


class InsufficientFunds(Conflict):
    """A guarded account would go below 0; nothing was booked."""

    title = _("Not enough funds.")
    code = "insufficient_funds"

    def __init__(self, *, accounts: Sequence[Account]):
        self.accounts = list(accounts)
        names = ", ".join(f"#{a.pk} ({a})" for a in self.accounts)
        super().__init__(
            _("Not enough funds in %(accounts)s for this entry.") % {"accounts": names}
        )


class EntryKeyReused(IdempotencyKeyReused):
    """An idempotency key already names an entry with other postings (422)."""

    def __init__(self, *, key: str, entry: JournalEntry):
        self.entry = entry
        super().__init__(
            _(
                "The idempotency key “%(key)s” already booked journal entry "
                "#%(entry)s with different postings, kind or reference."
            )
            % {"key": key, "entry": entry.pk},
            errors={"idempotency_key": [_("Already used for a different entry.")]},
        )


@transaction.atomic
def get_or_create_account(
    *, owner_type: str, owner_id: str | int, kind: str, currency: str
) -> Account:
    """Return the owner's account of ``kind`` in ``currency``, creating it if needed.

    Safe under concurrency: the insert is ``ON CONFLICT DO NOTHING``, then the row is
    read, so racing callers all get the one account. Normal side and guard come from
    the kind (``KIND_RULES``).
    """
    owner_id = str(owner_id)
    errors = {}
    if not isinstance(owner_type, str) or not _OWNER_TYPE.match(owner_type):
        errors["owner_type"] = [_("Use a lower-case name of at most 32 characters.")]
    if not owner_id or len(owner_id) > 64:
        errors["owner_id"] = [_("Use 1 to 64 characters.")]
    if kind not in KIND_RULES:
        errors["kind"] = [_("Unknown account kind.")]
    try:
        Money(0, currency)
    except ValueError:
        errors["currency"] = [_("Use a 3-letter ISO currency code.")]
    if errors:
        raise ValidationFailed(errors=errors)
    lookup = {
        "owner_type": owner_type,
        "owner_id": owner_id,
        "kind": kind,
        "currency": currency,
    }
    account = Account.objects.filter(**lookup).first()
    if account is None:
        side, guard = KIND_RULES[kind]
        Account.objects.bulk_create(
            [Account(**lookup, normal_side=side, guard=guard)], ignore_conflicts=True
        )
        account = Account.objects.get(**lookup)
    return account


@transaction.atomic
def record_entry(
    *,
    idempotency_key: str,
    kind: str,
    postings: Sequence[tuple[Account, int]],
    reference: tuple[str, str | int] | None = None,
    metadata: dict | None = None,
    description: str = "",
    pending: bool = False,
) -> JournalEntry:
    """Book ``postings`` (account, signed amount: debit > 0, credit < 0) as one entry.

    The amounts must sum to 0 per currency (a posting takes its account's currency).
    With ``pending=True`` the entry waits for ``post_entry`` or ``void_entry``; its
    debits already reduce what is available. Replaying a key returns the existing
    entry and writes nothing; the same key with other postings, kind or reference
    raises ``EntryKeyReused`` (422). Raise ``InsufficientFunds`` (409) when a guarded
    account would go below 0. ``description`` and ``metadata`` hold no personal data.
    """
    lines = _validated_lines(postings)
    _validate_entry(idempotency_key=idempotency_key, kind=kind, metadata=metadata)
    return _book(
        key=idempotency_key,
        kind=kind,
        lines=lines,
        reference=_validated_reference(reference),
        metadata=metadata or {},
        description=description[:200],
        pending=pending,
    )


@transaction.atomic
def post_entry(*, entry: JournalEntry) -> JournalEntry:
    """Post a pending entry: its amounts move from the pending to the posted totals.

    Posting a posted entry again returns it unchanged; posting a voided one raises
    ``InvalidTransition`` (409). Use the returned entry, not the argument.
    """
    return _finish(entry=entry, target=JournalEntry.Status.POSTED)


@transaction.atomic
def void_entry(*, entry: JournalEntry) -> JournalEntry:
    """Void a pending entry: its amounts leave the pending totals and count nowhere.

    The postings stay (append-only). Voiding a voided entry again returns it
    unchanged; voiding a posted one raises ``InvalidTransition`` (409).
    """
    return _finish(entry=entry, target=JournalEntry.Status.VOIDED)


@transaction.atomic
def reverse_entry(
    *, entry: JournalEntry, idempotency_key: str, metadata: dict | None = None
) -> JournalEntry:
    """Book a new posted entry with ``entry``'s postings negated, and return it.

    Only a posted entry is reversed (void a pending one), and at most once: the same
    key returns the existing reversal, another key raises ``Conflict`` (409). The
    reversal may raise ``InsufficientFunds`` when money has moved on since.
    """
    _validate_entry(idempotency_key=idempotency_key, kind=REVERSAL, metadata=metadata)
    original = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    done = JournalEntry.objects.filter(reverses=original).first()
    if done is not None:
        if done.idempotency_key == idempotency_key:
            return done
        raise Conflict(
            _("Journal entry #%(entry)s is already reversed by #%(by)s.")
            % {"entry": original.pk, "by": done.pk}
        )
    if original.status != JournalEntry.Status.POSTED:
        raise InvalidTransition(
            kind=_("journal entry"), current=original.status, target=REVERSAL
        )
    postings = original.postings.select_related("account").order_by("id")
    return _book(
        key=idempotency_key,
        kind=REVERSAL,
        lines=[(p.account, -p.amount) for p in postings],
        reference=(original.reference_type, original.reference_id),
        metadata={**(metadata or {}), "reverses": original.pk},
        description=f"Reversal of entry #{original.pk}",
        pending=False,
        reverses=original,
    )


def _book(
    *,
    key: str,
    kind: str,
    lines: list[tuple[Account, int]],
    reference: tuple[str, str],
    metadata: dict,
    description: str,
    pending: bool,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Insert the entry unless its key exists, then its postings and the totals."""
    now = timezone.now()
    status = JournalEntry.Status.PENDING if pending else JournalEntry.Status.POSTED
    fields = {
        "idempotency_key": key,
        "kind": kind,
        "description": description,
        "status": status,
        "two_phase": pending,
        "reference_type": reference[0],
        "reference_id": reference[1],
        "reverses_id": reverses.pk if reverses else None,
        "metadata": metadata,
        "created_at": now,
        "posted_at": None if pending else now,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_ENTRY,
            [
                *(fields[name] for name in _INSERT_COLUMNS),
                json.dumps(metadata),
                now,
                fields["posted_at"],
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return _replayed(fields=fields, lines=lines)
    entry = JournalEntry(id=row[0], **fields)
    entry._state.adding = False
    entry._state.db = connection.alias
    deltas: Deltas = defaultdict(lambda: [0, 0, 0, 0])
    for account, amount in lines:
        column = (0 if amount > 0 else 1) + (0 if pending else 2)
        deltas[account.pk][column] += abs(amount)
    _lock_accounts(deltas.keys())
    Posting.objects.bulk_create(
        Posting(
            entry=entry,
            account=account,
            amount=amount,
            currency=account.currency,
            created_at=now,
        )
        for account, amount in lines
    )
    _apply(deltas, accounts={account.pk: account for account, _ in lines})
    return entry


def _replayed(*, fields: dict, lines: list[tuple[Account, int]]) -> JournalEntry:
    existing = JournalEntry.objects.prefetch_related("postings").get(
        idempotency_key=fields["idempotency_key"]
    )
    same = (
        existing.kind == fields["kind"]
        and existing.reference_type == fields["reference_type"]
        and existing.reference_id == fields["reference_id"]
        and existing.two_phase == fields["two_phase"]
        and existing.reverses_id == fields["reverses_id"]
        and sorted((p.account_id, p.amount) for p in existing.postings.all())
        == sorted((account.pk, amount) for account, amount in lines)
    )
    if not same:
        raise EntryKeyReused(key=fields["idempotency_key"], entry=existing)
    return existing


def _finish(*, entry: JournalEntry, target: str) -> JournalEntry:
    locked = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.status == target:
        return locked
    if target not in JournalEntry.TRANSITIONS[locked.status]:
        raise InvalidTransition(
            kind=_("journal entry"), current=locked.status, target=target
        )
    deltas: Deltas = defaultdict(lambda: [0, 0, 0, 0])
    for account_id, amount in locked.postings.values_list("account_id", "amount"):
        side = 0 if amount > 0 else 1
        deltas[account_id][side] -= abs(amount)
        if target == JournalEntry.Status.POSTED:
            deltas[account_id][side + 2] += abs(amount)
    _lock_accounts(deltas.keys())
    _apply(deltas, accounts={})
    stamp = "posted_at" if target == JournalEntry.Status.POSTED else "voided_at"
    locked.status = target
    setattr(locked, stamp, timezone.now())
    locked.save(update_fields=["status", stamp])
    return locked


def _lock_accounts(ids: Iterable[int]) -> None:
    """Lock the accounts' rows in ascending id order, the one order every booking uses.

    ``FOR NO KEY UPDATE`` is the lock the UPDATE itself takes; it leaves foreign-key
    checks of other postings on these accounts unblocked.
    """
    ids = sorted(ids)
    locked = list(
        Account.objects.filter(pk__in=ids)
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk", flat=True)
    )
    if locked != ids:
        raise ValidationFailed(
            errors={"postings": [_("Every posting needs an existing account.")]}
        )


def _apply(deltas: Deltas, *, accounts: dict[int, Account]) -> None:
    """Add ``deltas`` to the accounts' totals in one statement (rows already locked).

    ``accounts`` names the accounts for the error message when a guard refuses.
    """
    ids = sorted(deltas)
    columns = [[deltas[i][c] for i in ids] for c in range(4)]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_APPLY_DELTAS, [ids, *columns])
    except IntegrityError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        if getattr(diag, "constraint_name", None) not in Account.GUARD_CONSTRAINTS:
            raise
        raise InsufficientFunds(accounts=_short(deltas, accounts)) from exc


def _short(deltas: Deltas, accounts: dict[int, Account]) -> list[Account]:
    """Return the guarded accounts whose available balance these deltas lower."""
    short = []
    for account_id, (dp, cp, dpo, cpo) in sorted(deltas.items()):
        account = accounts.get(account_id)
        if account is None or not account.guard:
            continue
        outgoing = dp if account.normal_side == CREDIT else cp
        if account.in_normal_terms(dpo, cpo) - outgoing < 0:
            short.append(account)
    return short


def _validated_lines(postings: Sequence[tuple[Account, int]]) -> list:
    lines = list(postings) if isinstance(postings, list | tuple) else None
    if not lines or len(lines) < 2:
        raise ValidationFailed(
            errors={"postings": [_("An entry needs at least two postings.")]}
        )
    totals: dict[str, int] = defaultdict(int)
    for index, line in enumerate(lines):
        try:
            account, amount = line
        except (TypeError, ValueError):
            account = amount = None
        problem = None
        if not isinstance(account, Account) or account.pk is None:
            problem = _("Give a saved ledger account.")
        elif isinstance(amount, bool) or not isinstance(amount, int):
            problem = _("Give the amount as an integer of minor units.")
        elif amount == 0 or abs(amount) > MAX_AMOUNT:
            problem = _("Give a non-zero amount of at most %(max)s minor units.") % {
                "max": MAX_AMOUNT
            }
        if problem:
            raise ValidationFailed(errors={f"postings[{index}]": [problem]})
        totals[account.currency] += amount
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise ValidationFailed(
            _("The entry does not balance: %(totals)s.")
            % {"totals": ", ".join(f"{c} {t:+d}" for c, t in unbalanced.items())},
            errors={"postings": [_("Debits and credits must be equal per currency.")]},
        )
    return [tuple(line) for line in lines]


def _validate_entry(*, idempotency_key: str, kind: str, metadata: dict | None) -> None:
    errors = {}
    if not isinstance(idempotency_key, str) or not 0 < len(idempotency_key) <= 200:
        errors["idempotency_key"] = [_("Use 1 to 200 characters.")]
    if not isinstance(kind, str) or not _SLUG.match(kind):
        errors["kind"] = [_("Use a lower-case slug of at most 64 characters.")]
    if metadata is not None:
        try:
            json.dumps(metadata)
        except (TypeError, ValueError):
            errors["metadata"] = [_("Use a JSON object.")]
        if not isinstance(metadata, dict):
            errors["metadata"] = [_("Use a JSON object.")]
    if errors:
        raise ValidationFailed(errors=errors)


def _validated_reference(reference: tuple[str, str | int] | None) -> tuple[str, str]:
    if reference is None:
        return ("", "")
    ref_type, ref_id = reference
    ref_id = str(ref_id)
    if not _OWNER_TYPE.match(str(ref_type)) or not 0 < len(ref_id) <= 64:
        raise ValidationFailed(
            errors={"reference": [_("Give (type, id): a lower-case name and an id.")]}
        )
    return (ref_type, ref_id)


# --- Many entries at once -----------------------------------------------------------
_INSERT_ENTRIES = """
    INSERT INTO ledger_journalentry
        (idempotency_key, kind, description, status, two_phase, reference_type,
         reference_id, reverses_id, metadata, created_at, posted_at, voided_at)
    SELECT v.key, v.kind, v.description, 'posted', FALSE, v.ref_type, v.ref_id, NULL,
           v.metadata::jsonb, %s, %s, NULL
      FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                  %s::text[]) AS v(key, kind, description, ref_type, ref_id, metadata)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id, idempotency_key
"""

_INSERT_POSTINGS = """
    INSERT INTO ledger_posting (entry_id, account_id, amount, currency, created_at)
    SELECT v.entry_id, v.account_id, v.amount, v.currency, %s
      FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[])
           AS v(entry_id, account_id, amount, currency)
"""


@dataclass(frozen=True, slots=True)
class EntrySpec:
    """One entry for ``record_entries_bulk``: what ``record_entry`` takes."""

    idempotency_key: str
    kind: str
    postings: Sequence[tuple[Account, int]]
    reference: tuple[str, str | int] | None = None
    metadata: dict | None = None
    description: str = ""


@transaction.atomic
def record_entries_bulk(entries: Sequence[EntrySpec]) -> dict[str, int]:
    """Book many posted entries in a few statements; return ``{key: new entry id}``.

    The guarantees of ``record_entry`` hold for each entry: validated and balanced
    postings, unique idempotency keys (a key already booked with the same postings
    is skipped and left out of the answer; with others it raises ``EntryKeyReused``),
    guarded accounts (``InsufficientFunds`` refuses the whole batch), the deferred
    balance trigger. Statements: insert the entries, lock the accounts in id order,
    insert the postings, update the totals — whatever the number of entries.
    """
    specs = []
    for spec in entries:
        _validate_entry(
            idempotency_key=spec.idempotency_key, kind=spec.kind, metadata=spec.metadata
        )
        lines = _validated_lines(spec.postings)
        specs.append((spec, lines, _validated_reference(spec.reference)))
    if not specs:
        return {}
    if len({spec.idempotency_key for spec, _, _ in specs}) != len(specs):
        raise ValidationFailed(
            errors={"idempotency_key": [_("Each entry needs its own key.")]}
        )
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_ENTRIES,
            [
                now,
                now,
                [spec.idempotency_key for spec, _, _ in specs],
                [spec.kind for spec, _, _ in specs],
                [spec.description[:200] for spec, _, _ in specs],
                [ref[0] for _, _, ref in specs],
                [ref[1] for _, _, ref in specs],
                [json.dumps(spec.metadata or {}) for spec, _, _ in specs],
            ],
        )
        created = {key: pk for pk, key in cursor.fetchall()}
    for spec, lines, ref in specs:
        if spec.idempotency_key not in created:
            _replayed(
                fields={
                    "idempotency_key": spec.idempotency_key,
                    "kind": spec.kind,
                    "reference_type": ref[0],
                    "reference_id": ref[1],
                    "two_phase": False,
                    "reverses_id": None,
                },
                lines=lines,
            )
    deltas: Deltas = defaultdict(lambda: [0, 0, 0, 0])
    accounts: dict[int, Account] = {}
    columns: list[list] = [[], [], [], []]
    for spec, lines, _ref in specs:
        entry_id = created.get(spec.idempotency_key)
        if entry_id is None:
            continue
        for account, amount in lines:
            deltas[account.pk][2 if amount > 0 else 3] += abs(amount)
            accounts[account.pk] = account
            for column, value in zip(
                columns, (entry_id, account.pk, amount, account.currency), strict=True
            ):
                column.append(value)
    if not deltas:
        return created
    _lock_accounts(deltas.keys())
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_POSTINGS, [now, *columns])
    _apply(deltas, accounts=accounts)
    return created


def get_or_create_accounts(
    keys: Iterable[tuple[str, str | int, str, str]],
) -> dict[tuple[str, str, str, str], Account]:
    """Return ``{(owner_type, owner_id, kind, currency): account}``, creating the
    missing ones; two queries whatever the number (three when some are new)."""
    wanted = {(t, str(i), k, c) for t, i, k, c in keys}
    if any(k not in KIND_RULES or not _OWNER_TYPE.match(t) for t, _i, k, _c in wanted):
        raise ValidationFailed(errors={"kind": [_("Unknown account kind.")]})
    if not wanted:
        return {}

    def read() -> dict:
        rows = Account.objects.filter(
            owner_type__in={key[0] for key in wanted},
            owner_id__in={key[1] for key in wanted},
            kind__in={key[2] for key in wanted},
            currency__in={key[3] for key in wanted},
        )
        accounts = {(a.owner_type, a.owner_id, a.kind, a.currency): a for a in rows}
        return {key: accounts[key] for key in wanted if key in accounts}

    found = read()
    missing = wanted - found.keys()
    if missing:
        Account.objects.bulk_create(
            [
                Account(
                    owner_type=t,
                    owner_id=i,
                    kind=k,
                    currency=c,
                    normal_side=KIND_RULES[k][0],
                    guard=KIND_RULES[k][1],
                )
                for t, i, k, c in sorted(missing)
            ],
            ignore_conflicts=True,
        )
        found = read()
    return found
