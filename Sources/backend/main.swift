import Foundation
import GenerationApp

// The API, and by default the job worker, in one process. Settings: docs/configuration.md.
exit(await Entrypoint.run(.backend))
