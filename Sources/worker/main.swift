import Foundation
import GenerationApp

// The job worker alone, against the same database as `backend`. Settings: docs/configuration.md.
exit(await Entrypoint.run(.worker))
