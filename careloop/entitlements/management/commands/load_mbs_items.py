from careloop.entitlements.management.load_command import LoadScheduleCommand
from careloop.entitlements.schedule import load_items


class Command(LoadScheduleCommand):
    help = (
        "Load the Better Access MBS items from a CSV file. The whole file is checked "
        "first; one bad row refuses it and nothing changes."
    )

    def load(self, path):
        return load_items(path)
