// Placeholder: the client lands here.
import CofferProtocol
