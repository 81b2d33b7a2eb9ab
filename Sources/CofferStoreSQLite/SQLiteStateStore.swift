// Placeholder: the SQLite StateStore lands here.
import CofferState
import GRDB
