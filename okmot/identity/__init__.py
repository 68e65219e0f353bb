"""Identity rules: the personal identification number (PIN) and personal names."""
