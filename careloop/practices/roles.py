from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Practice owner"
    CLINICIAN = "clinician", "Clinician"
    ADMIN = "admin", "Administration"
