"""mapapp: Chinese development plans as an interactive, evidence-backed map."""
