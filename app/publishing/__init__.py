"""Public pages of projects: what Japra chooses to show the city, and nothing about any member."""
