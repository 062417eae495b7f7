/// What `POST /admin/crash` does: a trap, as a bug would cause one, in a function of its own so that the crash report's
/// top in-app frame names it.
enum CrashRoute {
    @inline(never)
    static func crash() -> Never {
        fatalError("crash requested through POST /admin/crash (LOOKOUT_ADMIN_CRASH_ROUTE=true)")
    }
}
