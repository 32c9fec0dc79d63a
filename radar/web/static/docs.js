// Swagger UI (vendored, see vendor/swagger-ui/) over this server's /openapi.json.
// "Try it out" sends the browser session; unsafe methods carry the CSRF token header.
(function () {
  "use strict";
  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    requestInterceptor: function (req) {
      if (req.method && req.method.toUpperCase() !== "GET") { req.headers["x-csrftoken"] = csrfToken(); }
      return req;
    }
  });
})();
