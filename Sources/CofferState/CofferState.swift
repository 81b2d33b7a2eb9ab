// Placeholder: the replicated state machine lands here.
import CofferModel
