"""The database: tables and migrations, projects and their columns, runs, reports, the alert queue, the run lock."""
