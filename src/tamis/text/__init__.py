"""Text machinery shared by the steps: line spans and deletion, line prefilters, character
classes, the heading rule and word lists. Steps import from here, never from each other."""
