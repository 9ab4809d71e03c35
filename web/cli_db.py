"""`clusterflow db`: Flask-Migrate's commands, with a downgrade that will not drop everything unasked.

Downgrading below the first revision (``base``) drops every table and all data. The command
refuses unless ``--yes-drop-everything`` is given; the first revision checks the same
confirmation itself (Alembic ``-x drop_everything=yes``), so a relative downgrade such as
``-1`` that would reach it is refused too.
"""
from __future__ import annotations

import click
from flask import g
from flask.cli import with_appcontext
from flask_migrate import cli as migrate_cli
from flask_migrate import downgrade as migrate_downgrade

CONFIRM = "drop_everything=yes"
REFUSAL = ("refusing to downgrade to base: that drops every table and all data. "
           "Back up first (README: backup and restore), then add --yes-drop-everything.")

db = click.Group(
    "db", callback=migrate_cli.db.callback, params=list(migrate_cli.db.params), help=migrate_cli.db.help,
    commands={name: command for name, command in migrate_cli.db.commands.items() if name != "downgrade"},
)


@db.command()
@click.option("-d", "--directory", default=None, help='Migration script directory (default is "migrations")')
@click.option("--sql", is_flag=True, help="Don't emit SQL to database - dump to standard output instead")
@click.option("--tag", default=None, help='Arbitrary "tag" name - can be used by custom env.py scripts')
@click.option("-x", "--x-arg", multiple=True, help="Additional arguments consumed by custom env.py scripts")
@click.option("--yes-drop-everything", is_flag=True,
              help="Confirm a downgrade to base, which drops every table and all data.")
@click.argument("revision", default="-1")
@with_appcontext
def downgrade(directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...], revision: str,
              yes_drop_everything: bool) -> None:
    """Revert to a previous version (never to base without --yes-drop-everything)"""
    arguments = list(x_arg or g.x_arg)
    if yes_drop_everything:
        arguments.append(CONFIRM)
    elif revision == "base":
        raise click.ClickException(REFUSAL)
    migrate_downgrade(directory or g.directory, revision, sql, tag, arguments)
