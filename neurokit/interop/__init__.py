"""Bridges to other SNN libraries (through NIR): Norse today."""
