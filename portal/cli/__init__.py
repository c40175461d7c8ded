"""The ``medcredit`` console command: a Flask CLI group around the app factory."""

from flask.cli import FlaskGroup


def _create_app():
    from portal import create_app

    return create_app()


def main() -> None:
    cli = FlaskGroup(
        create_app=_create_app,
        add_version_option=False,
        load_dotenv=False,
        set_debug_flag=False,
        help="医保基金信用监管平台命令行工具 (medcredit).",
    )
    cli.main(prog_name="medcredit")
