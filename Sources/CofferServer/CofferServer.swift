// Placeholder: the node services land here.
import CofferProtocol
