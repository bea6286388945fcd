"""The outbox: the one owner of the delivery ledger (the `delivery` table).

It plans rows (`ledger.plan_rows`, `ledger.plan_row`: insert unless the dedupe key exists),
claims due rows with a lease, renews the lease, records outcomes fenced on the claim, cancels,
holds and hands back rows (`ledger`), reaps expired leases and reconciles uncertain posts
(`reaper`), keeps the workspace-wide send rate (`ratelimit`, `pacing`) and the workspace pause
(`pause`), and runs a dispatch (`dispatch.Dispatcher`).

It never knows what a row says or where it goes: each kind of row has a courier behind the
small protocol of `courier.py` (prepare → route → send → settle; find → found for the
reaper), registered by kind in a `Couriers` registry. Reminders (bot/reminders/courier.py) and
dashboards (bot/dashboards/courier.py) plug in that way; nothing here imports either.
"""
