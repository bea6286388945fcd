"""MatchPath's Slack-free core: configuration, data model, services, assessment, reminders."""
