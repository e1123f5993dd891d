import json
import sys

from django.core.management.base import BaseCommand

from careloop.entitlements.engine import ScenarioError, evaluate, parse_scenario


class Command(BaseCommand):
    help = (
        "Answer a what-if Better Access question: read a scenario (JSON) and print which "
        "sessions are rebatable and what must happen next. Exit 2 on bad input."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("file", help="Scenario JSON file, or - for standard input.")

    def handle(self, *args, file, **options):
        try:
            if file == "-":
                text = sys.stdin.read()
            else:
                with open(file, encoding="utf-8-sig") as handle:  # tolerate a BOM
                    text = handle.read()
        except OSError as error:
            self._fail(f"cannot read {file}: {error.strerror}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            self._fail(
                f"{file} is not valid JSON: {error.msg} at line {error.lineno}, "
                f"column {error.colno}"
            )
        try:
            scenario = parse_scenario(data)
        except ScenarioError as error:
            self._fail(f"bad field {error.field_path}: {error.problem}")
        self.stdout.write(json.dumps(evaluate(scenario), indent=2))

    def _fail(self, message: str):
        self.stderr.write(f"careloop entitlement: {message}")
        sys.exit(2)
