import EtalageHTTP

/// Static files served from the package's resources: the admin page, the storefront snippet and the demo page.
extension EtalageResponder {
    /// The response for a static file at the request's path, or nil when there is none there.
    func asset(_ request: HTTPRequest) -> HTTPResponse? {
        nil
    }
}
