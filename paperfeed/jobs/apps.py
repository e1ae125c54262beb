from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "paperfeed.jobs"
    label = "jobs"
