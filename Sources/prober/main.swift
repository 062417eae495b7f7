import Foundation
import GenerationApp

// The synthetic prober alone, to check the service from another host. Settings: docs/configuration.md; checks: docs/sla.md.
exit(await ProberProgram.run())
