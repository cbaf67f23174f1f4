"""Re-encrypt the stored contact details and case texts with the newest Fernet key.

Key rotation (secrets.py): put the new key first in ``CASES_FERNET_KEY(_FILE)``,
keep the old one after it, restart; new values are encrypted with the new key,
old ones still decrypt.  ``rekey`` then rewrites every value still under an older
key, so the old key can be dropped.  It works in batches of cases ordered by id,
one transaction per batch (rows locked on PostgreSQL; SQLite's write lock is held
for the batch only), so the API keeps serving while it runs and an interrupted
run loses nothing: run it again and it carries on.  Values already under the
newest key are left as they are, so a second run rewrites nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from sqlalchemy import select, update

from lookup_api.cases.schema import Case
from lookup_api.cases.secrets import ContactCipher
from lookup_api.cases.store import Store

#: Every encrypted column of the cases database.
ENCRYPTED = (Case.content_enc, Case.phone_enc, Case.name_enc)
BATCH = 500


@dataclass
class Rekeyed:
    cases: int = 0  # cases looked at
    rewritten: int = 0  # cases with at least one value re-encrypted
    values: int = 0  # values re-encrypted
    batches: int = 0
    unreadable: list[str] = field(default_factory=list)  # 件号 of cases holding a value no key decrypts


def rekey(store: Store, cipher: ContactCipher, batch: int = BATCH,
          after_batch: Callable[[Rekeyed], None] | None = None) -> Rekeyed:
    """Re-encrypt with the cipher's first key; ``after_batch`` is called after each commit."""
    done = Rekeyed()
    last = 0
    while True:
        with store.session() as s:
            rows = s.execute(select(Case.id, Case.number, *ENCRYPTED).where(Case.id > last)
                             .order_by(Case.id).limit(batch).with_for_update()).all()
            if not rows:
                break
            for row in rows:
                changes = {}
                for column in ENCRYPTED:
                    token = getattr(row, column.key)
                    if token is None:
                        continue
                    try:
                        new = cipher.rotate(token)
                    except InvalidToken:
                        if not done.unreadable or done.unreadable[-1] != row.number:
                            done.unreadable.append(row.number)
                        continue
                    if new is not None:
                        changes[column.key] = new
                if changes:
                    s.execute(update(Case).where(Case.id == row.id).values(**changes))
                    done.rewritten += 1
                    done.values += len(changes)
            done.cases += len(rows)
            last = rows[-1].id
        done.batches += 1
        if after_batch is not None:
            after_batch(done)
    return done
