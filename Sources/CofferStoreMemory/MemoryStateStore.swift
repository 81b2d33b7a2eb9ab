// Placeholder: the in-memory StateStore lands here.
import CofferState
