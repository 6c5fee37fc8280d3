// PIM path tests: see below
