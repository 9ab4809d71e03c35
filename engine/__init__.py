"""clusterflow's process engine: a small, pure wrapper around SpiffWorkflow.

Nothing in this package imports Flask, SQLAlchemy or marshmallow; it reads no
global clock and touches no database. The web layer hands it plain values.
"""
