// Placeholder: the node daemon lands here.
print("cofferd: not built yet")
