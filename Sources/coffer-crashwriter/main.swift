// Placeholder: the crash-test writer lands here.
print("coffer-crashwriter")
