"""Sync packages: a village exports signed packages of its household book, the district imports them."""
