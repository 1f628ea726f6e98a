"""Pure helpers with no Django models or database: number, date and text formatting."""
