"""Storage: PostgreSQL connections, the embedded server, the migrator, and the work queue
(claims, leases, releases, back-off): everything that decides who works on which row.
"""
