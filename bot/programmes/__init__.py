"""Programme data (imported per version), and each mentee's screened, tiered programme list."""
