"""Background work: workers claim due timers and queued jobs from the database.

On PostgreSQL a claim is ``SELECT ... FOR UPDATE SKIP LOCKED`` in a short
transaction that sets a lease; on SQLite (one machine) the writing
transaction is already exclusive and the claim is a compare-and-set
``UPDATE ... WHERE id = ? AND <still claimable>``. Work whose lease has passed
(its worker died) is claimed again. Failures back off with growing delays up
to a number of attempts, then stay ``failed`` until someone retries.
"""
