"""The use cases: one module per thing a user or the nightly run does.

Problem: the same operations (load a feed, approve a proposal, change a setting, record
a model version) are started from the CLI, the batch and tests, and each must leave the
database and the audit trail consistent. Rule: a service talks only to ports, the
`Protocol`s declared here (`ports`, `model_ports`, `feed_ports`, `workflow_ports`,
`run_ports`, ...), which `trimtab.store` implements; every write is one function, one
transaction and one audit record, with the acting user as a keyword-only argument;
rule findings come back as `Problem` values, never as exceptions.

    problems = approve(db.unit_of_work, "A000123", principal=Principal.cli("ops"),
                       reason="checked")
    problems   # [] when approved; else each problem names the account and the fix
"""
