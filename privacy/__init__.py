"""Personal-data screen for channel posts: finds family data, keeps staff and profile words."""
