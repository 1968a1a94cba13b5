"""Owner operations run from a terminal (``toiawase redrive`` …), against the deployed stack."""
