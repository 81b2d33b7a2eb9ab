// Placeholder: the admin CLI lands here.
print("coffer: not built yet")
