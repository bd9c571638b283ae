import EtalageCore

/// The OpenAPI 3.1 document served at `GET /openapi.json`: every public and admin endpoint with its request and
/// response schemas and error responses. `.ci/schemathesis.sh` checks a live server against it; keep the two in step.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "Etalage",
        "version": "1.0.0",
        "description": "Storefront-personalization decisions: the homepage variant, greeting, banner and call-to-action for a page view, events, health, metrics and the admin API (content drafts, releases, previews, reach, GDPR). Every error body is {\"error\": {\"code\": \"...\", \"message\": \"...\"}}. Lengths marked 'bytes' count UTF-8 bytes; JSON Schema's maxLength counts characters, so a string within maxLength can still be refused with 400 invalid_field."
      },
      "paths": {
        "/v1/decisions": {
          "post": {
            "operationId": "decide",
            "summary": "Decide the homepage content for one page view",
            "description": "Only visitorId is required; unknown fields are ignored. With \"trace\": true and the admin bearer token the answer adds trace; without the token the flag is ignored.",
            "security": [
              {},
              {
                "bearerAuth": []
              }
            ],
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/DecisionRequest"
                  },
                  "examples": {
                    "member": {
                      "summary": "A signed-in member from a campaign, with browsing and cart",
                      "value": {
                        "visitorId": "v-123",
                        "memberId": "M000042",
                        "referral": {
                          "source": "newsletter",
                          "medium": "email",
                          "campaign": "winter-sale"
                        },
                        "browsing": {
                          "categories": [
                            "running-shoes"
                          ],
                          "products": [
                            "sku-1"
                          ]
                        },
                        "cart": {
                          "items": 2,
                          "value": 89.9
                        },
                        "locale": "nl-NL",
                        "device": "mobile",
                        "consent": {
                          "personalization": true
                        }
                      }
                    },
                    "anonymous": {
                      "summary": "An anonymous visitor",
                      "value": {
                        "visitorId": "v-9",
                        "locale": "en-GB"
                      }
                    },
                    "trace": {
                      "summary": "A decision trace (needs the admin token)",
                      "value": {
                        "visitorId": "v-7",
                        "memberId": "M000012",
                        "locale": "en-GB",
                        "trace": true
                      }
                    }
                  }
                }
              }
            },
            "responses": {
              "200": {
                "description": "The decision",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Decision"
                    }
                  }
                }
              },
              "400": {
                "$ref": "#/components/responses/BadRequest"
              },
              "405": {
                "$ref": "#/components/responses/MethodNotAllowed"
              },
              "413": {
                "$ref": "#/components/responses/ContentTooLarge"
              }
            }
          }
        },
        "/v1/events": {
          "post": {
            "operationId": "trackEvents",
            "summary": "Record a batch of impressions, clicks and conversions",
            "description": "Every event is checked: the good ones are kept and acknowledged with 202 once committed, the bad ones reported by index. A batch with no valid event gets 400 with the same body plus error.",
            "requestBody": {
              "required": true,
              "content": {
                "application/json": {
                  "schema": {
                    "$ref": "#/components/schemas/EventBatch"
                  },
                  "examples": {
                    "batch": {
                      "summary": "An impression and a conversion",
                      "value": [
                        {
                          "type": "impression",
                          "decisionId": "0c28ffa04a10cca97acc22ee1ad3fa80",
                          "visitorId": "v-123"
                        },
                        {
                          "type": "conversion",
                          "decisionId": "0c28ffa04a10cca97acc22ee1ad3fa80",
                          "visitorId": "v-123",
                          "value": 49.95,
                          "at": "2026-11-24T10:00:00Z"
                        }
                      ]
                    }
                  }
                }
              }
            },
            "responses": {
              "202": {
                "description": "The valid events are committed",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/EventsAccepted"
                    }
                  }
                }
              },
              "400": {
                "description": "Not JSON (invalid_json), not an array (invalid_body), or no valid event in the batch (invalid_events, with accepted and rejected)",
                "content": {
                  "application/json": {
                    "schema": {
                      "anyOf": [
                        {
                          "$ref": "#/components/schemas/Error"
                        },
                        {
                          "$ref": "#/components/schemas/EventsRefused"
                        }
                      ]
                    }
                  }
                }
              },
              "405": {
                "$ref": "#/components/responses/MethodNotAllowed"
              },
              "413": {
                "$ref": "#/components/responses/ContentTooLarge"
              },
              "503": {
                "description": "The event queue is full (queue_full) or the server is shutting down (shutting_down) or the batch could not be stored (events_not_stored): nothing was acknowledged, retry",
                "headers": {
                  "Retry-After": {
                    "schema": {
                      "type": "string"
                    },
                    "description": "Seconds to wait (queue_full, shutting_down)"
                  }
                },
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            }
          }
        },
        "/healthz": {
          "get": {
            "operationId": "health",
            "summary": "Liveness: 200 while the process is up",
            "responses": {
              "200": {
                "description": "Up",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Health"
                    }
                  }
                }
              },
              "405": {
                "$ref": "#/components/responses/MethodNotAllowed"
              }
            }
          },
          "head": {
            "operationId": "healthHead",
            "summary": "Liveness without a body",
            "responses": {
              "200": {
                "description": "Up"
              },
              "405": {
                "$ref": "#/components/responses/MethodNotAllowed"
              }
            }
          }
        },
        "/readyz": {
          "get": {
            "operationId": "ready",
            "summary": "Readiness: 200 while the snapshot is current, 503 while serving an older one after a failed refresh",
            "responses": {
              "200": {
                "description": "Ready",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Readiness"
                    }
                  }
                }
              },
              "405": {
                "$ref": "#/components/responses/MethodNotAllowed"
              },
              "503": {
                "description": "Degraded: answering from an older snapshot",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Readiness"
                    }
                  }
                }
              }
            }
          },
          "head": {
            "operationId": "readyHead",
            "summary": "Readiness without a body",
            "responses": {
              "200": {
                "description": "Ready"
              },
              "405": {
                "$ref": "#/components/responses/MethodNotAllowed"
              },
              "503": {
                "description": "Degraded"
              }
            }
          }
        },
        "/metrics": {
          "get": {
            "operationId": "metrics",
            "summary": "Prometheus text format, version 0.0.4",
            "responses": {
              "200": {
                "description": "The metrics",
                "content": {
                  "text/plain": {
                    "schema": {
                      "type": "string"
                    }
                  }
                }
              },
              "405": {
                "$ref": "#/components/responses/MethodNotAllowed"
              }
            }
          },
          "head": {
            "operationId": "metricsHead",
            "summary": "Metrics headers without a body",
            "responses": {
              "200": {
                "description": "The metrics' headers"
              },
              "405": {
                "$ref": "#/components/responses/MethodNotAllowed"
              }
            }
          }
        },
        "/openapi.json": {
          "get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": {
              "200": {
                "description": "The OpenAPI 3.1 document",
                "content": {
                  "application/json": {
                    "schema": {
                      "type": "object",
                      "required": [
                        "openapi",
                        "info",
                        "paths"
                      ]
                    }
                  }
                }
              },
              "405": {
                "$ref": "#/components/responses/MethodNotAllowed"
              }
            }
          },
          "head": {
            "operationId": "openapiHead",
            "summary": "This document's headers without a body",
            "responses": {
              "200": {
                "description": "The document's headers"
              },
              "405": {
                "$ref": "#/components/responses/MethodNotAllowed"
              }
            }
          }
        },
        "/v1/admin/members/{id}": {
          "get": {
            "operationId": "exportMember",
            "summary": "Export everything held about a member (GDPR access)",
            "parameters": [
              {
                "name": "id",
                "in": "path",
                "required": true,
                "description": "The member id (percent-encoded; an id that decodes to contain '/' is 404)",
                "schema": {
                  "type": "string",
                  "minLength": 1
                },
                "examples": {
                  "member": {
                    "value": "M000042"
                  },
                  "escaped-name": {
                    "value": "M000012"
                  },
                  "unknown": {
                    "value": "M999999"
                  }
                }
              }
            ],
            "security": [
              {
                "bearerAuth": []
              }
            ],
            "responses": {
              "200": {
                "description": "The member's data",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/MemberExport"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "405": {
                "$ref": "#/components/responses/MethodNotAllowed"
              },
              "503": {
                "$ref": "#/components/responses/DatabaseUnavailable"
              }
            }
          },
          "delete": {
            "operationId": "eraseMember",
            "summary": "Erase a member with their orders and service events (GDPR erasure)",
            "parameters": [
              {
                "name": "id",
                "in": "path",
                "required": true,
                "description": "The member id (percent-encoded; an id that decodes to contain '/' is 404)",
                "schema": {
                  "type": "string",
                  "minLength": 1
                },
                "examples": {
                  "member": {
                    "value": "M000015"
                  },
                  "unknown": {
                    "value": "M999999"
                  }
                }
              }
            ],
            "security": [
              {
                "bearerAuth": []
              }
            ],
            "responses": {
              "200": {
                "description": "Erased",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Erasure"
                    }
                  }
                }
              },
              "401": {
                "$ref": "#/components/responses/Unauthorized"
              },
              "403": {
                "$ref": "#/components/responses/Forbidden"
              },
              "404": {
                "$ref": "#/components/responses/NotFound"
              },
              "405": {
                "$ref": "#/components/responses/MethodNotAllowed"
              },
              "503": {
                "$ref": "#/components/responses/DatabaseUnavailable"
              }
            }
          }
        }
      },
      "components": {
        "securitySchemes": {
          "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "The admin token (--admin-token)"
          }
        },
        "responses": {
          "BadRequest": {
            "description": "invalid_json (not JSON; the message gives the byte offset), invalid_body (not an object), missing_field (visitorId), invalid_field (wrong type or out of range; the message names the field), or a malformed HTTP request",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "NotFound": {
            "description": "not_found (no endpoint at that path) or member_not_found",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "MethodNotAllowed": {
            "description": "method_not_allowed: the Allow header lists the methods the path accepts",
            "headers": {
              "Allow": {
                "required": true,
                "schema": {
                  "type": "string"
                }
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "ContentTooLarge": {
            "description": "The body is over 1 MiB (content_too_large), or a batch holds over 1000 events (too_many_events)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "Unauthorized": {
            "description": "unauthorized: no 'Authorization: Bearer <token>' header",
            "headers": {
              "WWW-Authenticate": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "Forbidden": {
            "description": "forbidden (wrong token) or admin_disabled (the server has no --admin-token)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "DatabaseUnavailable": {
            "description": "database_unavailable: the database could not be read; retry",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "schemas": {
          "Error": {
            "type": "object",
            "required": [
              "error"
            ],
            "properties": {
              "error": {
                "$ref": "#/components/schemas/ErrorDetail"
              }
            }
          },
          "ErrorDetail": {
            "type": "object",
            "required": [
              "code",
              "message"
            ],
            "properties": {
              "code": {
                "type": "string"
              },
              "message": {
                "type": "string"
              },
              "line": {
                "type": "integer",
                "description": "Template errors: the line of the problem in the source"
              },
              "column": {
                "type": "integer",
                "description": "Template errors: the column (Unicode scalars, from 1)"
              }
            }
          },
          "DecisionRequest": {
            "type": "object",
            "required": [
              "visitorId"
            ],
            "properties": {
              "visitorId": {
                "type": "string",
                "minLength": 1,
                "maxLength": 128,
                "description": "First-party visitor id, 1 to 128 bytes"
              },
              "memberId": {
                "type": [
                  "string",
                  "null"
                ],
                "maxLength": 128,
                "description": "Loyalty member id when signed in, at most 128 bytes; empty means none"
              },
              "memberToken": {
                "type": [
                  "string",
                  "null"
                ],
                "maxLength": 512,
                "description": "<memberId>.<expiry>.<hex HMAC-SHA256>, at most 512 bytes; required when the server has a member secret"
              },
              "referral": {
                "type": [
                  "object",
                  "null"
                ],
                "properties": {
                  "source": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "maxLength": 256
                  },
                  "medium": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "maxLength": 256
                  },
                  "campaign": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "maxLength": 256
                  }
                }
              },
              "browsing": {
                "type": [
                  "object",
                  "null"
                ],
                "properties": {
                  "categories": {
                    "type": [
                      "array",
                      "null"
                    ],
                    "maxItems": 50,
                    "items": {
                      "type": "string",
                      "maxLength": 256
                    },
                    "description": "Recently viewed, most recent first; each at most 256 bytes"
                  },
                  "products": {
                    "type": [
                      "array",
                      "null"
                    ],
                    "maxItems": 50,
                    "items": {
                      "type": "string",
                      "maxLength": 256
                    },
                    "description": "Recently viewed, most recent first; each at most 256 bytes"
                  }
                }
              },
              "cart": {
                "type": [
                  "object",
                  "null"
                ],
                "properties": {
                  "items": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": 0,
                    "maximum": 10000
                  },
                  "value": {
                    "type": [
                      "number",
                      "null"
                    ],
                    "minimum": 0
                  }
                }
              },
              "locale": {
                "type": [
                  "string",
                  "null"
                ],
                "maxLength": 35,
                "description": "e.g. nl-NL; picks the content language; at most 35 bytes"
              },
              "device": {
                "type": [
                  "string",
                  "null"
                ],
                "maxLength": 32,
                "description": "e.g. mobile; at most 32 bytes"
              },
              "consent": {
                "type": [
                  "object",
                  "null"
                ],
                "properties": {
                  "personalization": {
                    "type": [
                      "boolean",
                      "null"
                    ]
                  }
                }
              },
              "trace": {
                "type": [
                  "boolean",
                  "null"
                ],
                "description": "Ask for the decision trace; honoured only with the admin bearer token"
              }
            }
          },
          "Decision": {
            "type": "object",
            "required": [
              "decisionId",
              "variant",
              "greeting",
              "banner",
              "cta",
              "segments",
              "reasons",
              "language",
              "experiments",
              "holdout",
              "asOf"
            ],
            "properties": {
              "decisionId": {
                "type": "string",
                "pattern": "^[0-9a-f]{32}$"
              },
              "variant": {
                "type": "string"
              },
              "greeting": {
                "type": "object",
                "required": [
                  "text"
                ],
                "properties": {
                  "text": {
                    "type": "string"
                  }
                }
              },
              "banner": {
                "type": "object",
                "required": [
                  "id",
                  "title",
                  "text",
                  "image",
                  "href"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "title": {
                    "type": "string"
                  },
                  "text": {
                    "type": "string"
                  },
                  "image": {
                    "type": "string"
                  },
                  "href": {
                    "type": "string"
                  }
                }
              },
              "cta": {
                "type": "object",
                "required": [
                  "label",
                  "href"
                ],
                "properties": {
                  "label": {
                    "type": "string"
                  },
                  "href": {
                    "type": "string"
                  }
                }
              },
              "segments": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              },
              "reasons": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              },
              "language": {
                "type": "string"
              },
              "experiments": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "key",
                    "variant"
                  ],
                  "properties": {
                    "key": {
                      "type": "string"
                    },
                    "variant": {
                      "type": "string"
                    }
                  }
                }
              },
              "holdout": {
                "type": "boolean"
              },
              "asOf": {
                "type": "string",
                "format": "date-time"
              },
              "trace": {
                "$ref": "#/components/schemas/Trace"
              }
            }
          },
          "Trace": {
            "type": "object",
            "required": [
              "segments",
              "slots"
            ],
            "properties": {
              "segments": {
                "type": "array",
                "items": {
                  "type": "string"
                }
              },
              "slots": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "slot",
                    "template",
                    "rule",
                    "considered"
                  ],
                  "properties": {
                    "slot": {
                      "type": "string"
                    },
                    "template": {
                      "type": "string"
                    },
                    "rule": {
                      "type": [
                        "string",
                        "null"
                      ]
                    },
                    "considered": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "required": [
                          "rule",
                          "priority",
                          "outcome"
                        ],
                        "properties": {
                          "rule": {
                            "type": "string"
                          },
                          "priority": {
                            "type": "integer"
                          },
                          "outcome": {
                            "type": "string"
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          },
          "Event": {
            "type": "object",
            "required": [
              "type",
              "decisionId",
              "visitorId"
            ],
            "properties": {
              "type": {
                "type": "string",
                "enum": [
                  "impression",
                  "click",
                  "conversion"
                ]
              },
              "decisionId": {
                "type": "string",
                "minLength": 1,
                "maxLength": 128,
                "description": "1 to 128 bytes"
              },
              "visitorId": {
                "type": "string",
                "minLength": 1,
                "maxLength": 128,
                "description": "1 to 128 bytes"
              },
              "value": {
                "type": [
                  "number",
                  "null"
                ],
                "minimum": 0
              },
              "at": {
                "type": [
                  "string",
                  "null"
                ],
                "format": "date-time",
                "description": "ISO 8601, not more than a day ahead; default now"
              }
            }
          },
          "EventBatch": {
            "type": "array",
            "maxItems": 1000,
            "items": {
              "$ref": "#/components/schemas/Event"
            }
          },
          "Rejection": {
            "type": "object",
            "required": [
              "index",
              "message"
            ],
            "properties": {
              "index": {
                "type": "integer",
                "minimum": 0
              },
              "message": {
                "type": "string"
              }
            }
          },
          "EventsAccepted": {
            "type": "object",
            "required": [
              "accepted",
              "rejected"
            ],
            "properties": {
              "accepted": {
                "type": "integer",
                "minimum": 1
              },
              "rejected": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Rejection"
                }
              }
            }
          },
          "EventsRefused": {
            "type": "object",
            "required": [
              "error",
              "accepted",
              "rejected"
            ],
            "properties": {
              "error": {
                "$ref": "#/components/schemas/ErrorDetail"
              },
              "accepted": {
                "const": 0
              },
              "rejected": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/Rejection"
                }
              }
            }
          },
          "Health": {
            "type": "object",
            "required": [
              "status"
            ],
            "properties": {
              "status": {
                "const": "ok"
              }
            }
          },
          "Readiness": {
            "type": "object",
            "required": [
              "status",
              "snapshotAsOf",
              "members",
              "eventQueueDepth"
            ],
            "properties": {
              "status": {
                "type": "string",
                "enum": [
                  "ready",
                  "degraded"
                ]
              },
              "reason": {
                "type": "string",
                "description": "Why the last refresh failed (degraded only)"
              },
              "snapshotAsOf": {
                "type": "string",
                "format": "date-time"
              },
              "members": {
                "type": "integer",
                "minimum": 0
              },
              "eventQueueDepth": {
                "type": "integer",
                "minimum": 0
              }
            }
          },
          "MemberExport": {
            "type": "object",
            "required": [
              "member",
              "orders",
              "serviceEvents"
            ],
            "properties": {
              "member": {
                "type": "object",
                "required": [
                  "id",
                  "firstName",
                  "email",
                  "locale",
                  "tier",
                  "points",
                  "joinedAt",
                  "birthday",
                  "consentPersonalization",
                  "marketingOptIn",
                  "subscriptionStatus"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "firstName": {
                    "type": "string"
                  },
                  "email": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "locale": {
                    "type": "string"
                  },
                  "tier": {
                    "type": "string",
                    "enum": [
                      "bronze",
                      "silver",
                      "gold"
                    ]
                  },
                  "points": {
                    "type": "integer"
                  },
                  "joinedAt": {
                    "type": "string"
                  },
                  "birthday": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "consentPersonalization": {
                    "type": "boolean"
                  },
                  "marketingOptIn": {
                    "type": "boolean"
                  },
                  "subscriptionStatus": {
                    "type": "string",
                    "enum": [
                      "active",
                      "cancelled",
                      "none"
                    ]
                  }
                }
              },
              "orders": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "id",
                    "placedAt",
                    "amount",
                    "channel",
                    "category",
                    "returned"
                  ],
                  "properties": {
                    "id": {
                      "type": "string"
                    },
                    "placedAt": {
                      "type": "string"
                    },
                    "amount": {
                      "type": "number"
                    },
                    "channel": {
                      "type": "string",
                      "enum": [
                        "online",
                        "store"
                      ]
                    },
                    "category": {
                      "type": "string"
                    },
                    "returned": {
                      "type": "boolean"
                    }
                  }
                }
              },
              "serviceEvents": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "at",
                    "kind",
                    "satisfaction"
                  ],
                  "properties": {
                    "at": {
                      "type": "string"
                    },
                    "kind": {
                      "type": "string",
                      "enum": [
                        "complaint",
                        "contact",
                        "review"
                      ]
                    },
                    "satisfaction": {
                      "type": [
                        "integer",
                        "null"
                      ],
                      "minimum": 1,
                      "maximum": 5
                    }
                  }
                }
              }
            }
          },
          "Erasure": {
            "type": "object",
            "required": [
              "erased",
              "orders",
              "serviceEvents",
              "auditId"
            ],
            "properties": {
              "erased": {
                "const": true
              },
              "orders": {
                "type": "integer",
                "minimum": 0
              },
              "serviceEvents": {
                "type": "integer",
                "minimum": 0
              },
              "auditId": {
                "type": "integer"
              }
            }
          }
        }
      }
    }
    """#

}

extension OpenAPIDocument {
    /// The served document: the literal above with the content-management admin API (`AdminOpenAPI`) merged in.
    static let bytes: [UInt8] = {
        guard case .object(var root) = (try? JSONParser.parse(json)) ?? .null,
              case .object(var paths) = root["paths"] ?? .null,
              case .object(var components) = root["components"] ?? .null,
              case .object(var schemas) = components["schemas"] ?? .null,
              case .object(var responses) = components["responses"] ?? .null
        else { return Array(json.utf8) }
        for (path, item) in AdminOpenAPI.paths { paths[path] = item }
        for (name, schema) in AdminOpenAPI.schemas { schemas[name] = schema }
        for (name, response) in AdminOpenAPI.responses { responses[name] = response }
        components["schemas"] = .object(schemas)
        components["responses"] = .object(responses)
        root["paths"] = .object(paths)
        root["components"] = .object(components)
        return JSON.object(root).serialized()
    }()
}

/// The OpenAPI description of the content admin API (drafts, releases, preview, reach), built from small helpers
/// rather than written out: two dozen operations share their parameters, security and error responses.
enum AdminOpenAPI {
    // MARK: - Building blocks

    static func ref(_ schema: String) -> JSON { .object(["$ref": .string("#/components/schemas/" + schema)]) }
    static func responseRef(_ name: String) -> JSON { .object(["$ref": .string("#/components/responses/" + name)]) }
    static func type(_ name: String) -> JSON { .object(["type": .string(name)]) }
    static func nullable(_ name: String) -> JSON { .object(["type": .array([.string(name), .string("null")])]) }
    static func enumeration(_ values: [String]) -> JSON { .object(["type": .string("string"), "enum": .array(values.map(JSON.string))]) }
    static func array(_ items: JSON) -> JSON { .object(["type": .string("array"), "items": items]) }
    static let anyValue = JSON.object(["description": .string("Any JSON value")])

    static func object(_ required: [String], _ properties: [String: JSON], description: String? = nil) -> JSON {
        var members: [String: JSON] = ["type": .string("object"), "properties": .object(properties)]
        if !required.isEmpty { members["required"] = .array(required.map(JSON.string)) }
        if let description { members["description"] = .string(description) }
        return .object(members)
    }

    static func jsonContent(_ schema: JSON) -> JSON { .object(["application/json": .object(["schema": schema])]) }

    static func pathParameter(_ name: String, _ description: String, schema: JSON = type("string"),
                              examples: [String] = []) -> JSON {
        var members: [String: JSON] = ["name": .string(name), "in": .string("path"), "required": .bool(true),
                                       "description": .string(description), "schema": schema]
        if !examples.isEmpty {
            var named: [String: JSON] = [:]
            for (i, example) in examples.enumerated() { named["example\(i + 1)"] = .object(["value": .string(example)]) }
            members["examples"] = .object(named)
        }
        return .object(members)
    }

    static func queryParameter(_ name: String, _ description: String, required: Bool) -> JSON {
        .object(["name": .string(name), "in": .string("query"), "required": .bool(required), "description": .string(description),
                 "schema": .object(["type": .string("string"), "pattern": .string("^(live|draft|[1-9][0-9]{0,14})$")])])
    }

    static let authorHeader = JSON.object([
        "name": .string("X-Etalage-Author"), "in": .string("header"), "required": .bool(false),
        "description": .string("Who makes the change (1 to 64 printable characters); default admin"),
        "schema": .object(["type": .string("string"), "minLength": .number(1), "maxLength": .number(64)]),
    ])

    /// Every admin operation documents the token's answers and the store's refusals.
    static let errors: [String: JSON] = [
        "400": responseRef("AdminBadRequest"), "401": responseRef("Unauthorized"), "403": responseRef("Forbidden"),
        "404": responseRef("NotFound"), "405": responseRef("MethodNotAllowed"), "409": responseRef("Conflict"),
        "422": responseRef("Invalid"), "503": responseRef("DatabaseUnavailable"),
    ]

    static func operation(_ id: String, _ summary: String, description: String? = nil, parameters: [JSON] = [],
                          body: JSON? = nil, bodyRequired: Bool = true, bodyExamples: [JSON] = [], status: String = "200",
                          success: String, schema: JSON) -> JSON {
        var responses = errors
        responses[status] = .object(["description": .string(success), "content": jsonContent(schema)])
        var members: [String: JSON] = [
            "operationId": .string(id), "summary": .string(summary), "security": .array([.object(["bearerAuth": .array([])])]),
            "parameters": .array(parameters + [authorHeader]), "responses": .object(responses),
        ]
        if let description { members["description"] = .string(description) }
        if let body {
            var media: [String: JSON] = ["schema": body]
            if !bodyExamples.isEmpty {
                var named: [String: JSON] = [:]
                for (i, example) in bodyExamples.enumerated() { named["example\(i + 1)"] = .object(["value": example]) }
                media["examples"] = .object(named)
            }
            members["requestBody"] = .object(["required": .bool(bodyRequired), "content": .object(["application/json": .object(media)])])
        }
        return .object(members)
    }

    // MARK: - Items

    struct ItemKind {
        let name: String  // Template, Rule, …
        let plural: String
        let parameters: [JSON]
        let path: String
        /// Valid PUT bodies, so the example phase reaches past validation.
        var examples: [String] = []
    }

    static let keyPattern = JSON.object(["type": .string("string"), "minLength": .number(1)])

    static let kinds: [ItemKind] = [
        ItemKind(name: "Template", plural: "templates",
                 parameters: [pathParameter("slot", "variant, greeting, banner or cta", examples: ["greeting", "banner"]),
                              pathParameter("id", "The template id", examples: ["loyal", "winter"]),
                              pathParameter("locale", "The language, e.g. nl or en", examples: ["nl", "en"])],
                 path: "/v1/admin/templates/{slot}/{id}/{locale}",
                 examples: [#"{"source":"text: Fijne winter, {{firstName}}!"}"#,
                            #"{"source":"title: Winter\ntext: Warm de winter in.\nimage: /w.jpg\nhref: /winter"}"#]),
        ItemKind(name: "Rule", plural: "rules",
                 parameters: [pathParameter("id", "The rule id", examples: ["greeting-active", "r-new"])], path: "/v1/admin/rules/{id}",
                 examples: [#"{"slot":"greeting","priority":95,"condition":{"member.tier":"gold"},"templateId":"loyal"}"#,
                            #"{"slot":"banner","priority":5,"segment":"dormant","templateId":"default","startsAt":"2026-12-01T00:00","endsAt":"2026-12-31T00:00","timezone":"Europe/Amsterdam"}"#]),
        ItemKind(name: "Segment", plural: "segments",
                 parameters: [pathParameter("id", "The segment id", examples: ["dormant", "vip"])], path: "/v1/admin/segments/{id}",
                 examples: [#"{"description":"Spent over 1000","scope":"member","condition":{"monetary":{"$gt":1000}}}"#]),
        ItemKind(name: "Experiment", plural: "experiments",
                 parameters: [pathParameter("key", "The experiment key", examples: ["spring-banner"])],
                 path: "/v1/admin/experiments/{key}",
                 examples: [#"{"slot":"banner","variants":[{"key":"control","weight":0.5,"template":"default"},{"key":"b","weight":0.5,"template":"campaign"}],"status":"running","namespace":{"id":"home","start":0,"end":0.5}}"#]),
    ]

    static let stateProperties: [String: JSON] = [
        "state": enumeration(["live", "new", "changed", "deleted"]),
        "pending": object(["author", "at"], ["author": type("string"), "at": type("string")],
                          description: "The pending change of the draft, when there is one"),
    ]

    static func item(_ required: [String], _ properties: [String: JSON], extra: [String: JSON] = [:]) -> JSON {
        object(required + ["state"], properties.merging(stateProperties) { a, _ in a }.merging(extra) { a, _ in a })
    }

    static let ruleProperties: [String: JSON] = [
        "id": type("string"), "slot": type("string"), "priority": type("integer"), "segment": nullable("string"),
        "condition": anyValue, "templateId": type("string"), "status": enumeration(["live", "draft"]),
        "startsAt": nullable("string"), "endsAt": nullable("string"), "timezone": nullable("string"),
    ]
    static let segmentProperties: [String: JSON] = [
        "id": type("string"), "description": type("string"), "scope": enumeration(["member", "request"]),
        "group": nullable("string"), "position": type("integer"), "condition": anyValue,
    ]
    static let experimentProperties: [String: JSON] = [
        "key": type("string"), "slot": type("string"),
        "variants": array(object(["key", "weight", "template"], ["key": type("string"), "weight": type("number"), "template": type("string")])),
        "coverage": type("number"), "condition": anyValue,
        "namespace": object(["id", "start", "end"], ["id": type("string"), "start": type("number"), "end": type("number")]),
        "status": enumeration(["draft", "running", "stopped"]), "startsAt": type("string"), "endsAt": type("string"),
        "seed": type("string"),
    ]
    static let count = JSON.object(["type": .string("integer"), "minimum": .number(0)])

    static let schemas: [String: JSON] = [
        "TemplateItem": item(["slot", "id", "locale", "source"],
                             ["slot": type("string"), "id": type("string"), "locale": type("string"), "source": type("string")]),
        "TemplateBody": object(["source"], ["source": .object(["type": .string("string"), "description": .string("The template file's text: one 'field: value' line per field")]),
                                            "slot": type("string"), "id": type("string"), "locale": type("string")]),
        "RuleItem": item(["id", "slot", "priority", "segment", "condition", "templateId", "status", "startsAt", "endsAt", "timezone"],
                         ruleProperties, extra: ["reach": count, "wins": count]),
        "RuleBody": object(["slot", "priority", "templateId"], ruleProperties),
        "SegmentItem": item(["id", "description", "scope", "group", "position", "condition"], segmentProperties, extra: ["members": count]),
        "SegmentBody": object(["description", "scope"], segmentProperties),
        "ExperimentItem": item(["key", "slot", "variants", "coverage", "status"], experimentProperties),
        "ExperimentBody": object(["slot", "variants"], experimentProperties),
        "TemplateDeleted": object(["deleted"], ["deleted": ref("TemplateItem")]),
        "RuleDeleted": object(["deleted"], ["deleted": ref("RuleItem")]),
        "SegmentDeleted": object(["deleted"], ["deleted": ref("SegmentItem")]),
        "ExperimentDeleted": object(["deleted"], ["deleted": ref("ExperimentItem")]),
        "Change": object(["kind", "key", "action", "author", "at"], [
            "kind": enumeration(["template", "rule", "segment", "experiment"]), "key": type("string"),
            "action": enumeration(["put", "delete"]), "body": anyValue, "author": type("string"), "at": type("string"),
        ]),
        "ReleaseSummary": object(["id", "kind", "status", "author", "note", "createdAt", "publishAt", "publishedAt", "changes"],
                                 releaseProperties(changes: count)),
        "Release": object(["id", "kind", "status", "author", "note", "createdAt", "publishAt", "publishedAt", "changes"],
                          releaseProperties(changes: array(ref("Change")))),
        "CancelledRelease": object(["id", "kind", "status", "author", "note", "createdAt", "publishAt", "publishedAt", "changes",
                                    "restored", "skipped"],
                                   releaseProperties(changes: array(ref("Change"))).merging([
                                       "restored": count,
                                       "skipped": array(object(["kind", "key", "reason"], [
                                           "kind": enumeration(["template", "rule", "segment", "experiment"]), "key": type("string"),
                                           "reason": type("string"),
                                       ])),
                                   ]) { a, _ in a },
                                   description: "The cancelled release; its changes went back into the draft (restored: how many), except the skipped ones"),
        "ReleaseReference": .object(["oneOf": .array([count, enumeration(["live", "draft"])])]),
        "Difference": object(["kind", "key", "change", "before", "after"], [
            "kind": enumeration(["template", "rule", "segment", "experiment"]), "key": type("string"),
            "change": enumeration(["added", "removed", "modified"]), "before": anyValue, "after": anyValue,
        ]),
        "PreviewRequest": object(["context"], [
            "context": ref("DecisionRequest"),
            "at": .object(["type": .array([.string("string"), .string("null")]), "format": .string("date-time"),
                           "description": .string("ISO 8601 with Z or an offset; default now")]),
            "release": .object(["oneOf": .array([count, enumeration(["live", "draft"]), type("null")]),
                                "description": .string("live, draft or a release id; default: the release live at 'at'")]),
        ]),
        "ExperimentResults": object(["experiment", "confidenceLevel", "variants", "sampleRatio"], [
            "experiment": type("string"), "confidenceLevel": type("number"),
            "variants": array(object(["key", "control", "visitors", "conversions"], [
                "key": type("string"), "control": type("boolean"), "visitors": count, "conversions": count,
            ])),
            "sampleRatio": type("object"), "unknownVariants": type("object"),
        ]),
    ]

    static func releaseProperties(changes: JSON) -> [String: JSON] {
        [
            "id": type("integer"), "kind": enumeration(["baseline", "release", "rollback"]),
            "status": enumeration(["published", "scheduled", "cancelled", "superseded"]), "author": type("string"),
            "note": nullable("string"), "createdAt": type("string"), "publishAt": nullable("string"),
            "publishedAt": nullable("string"), "changes": changes, "restores": type("integer"),
        ]
    }

    static func errorResponse(_ description: String) -> JSON {
        .object(["description": .string(description), "content": jsonContent(ref("Error"))])
    }

    static let responses: [String: JSON] = [
        "AdminBadRequest": errorResponse("invalid_json, invalid_body, invalid_field or missing_field: the request is malformed; the message names the field"),
        "Conflict": errorResponse("The request conflicts with the current content: segment_in_use, template_in_use, experiment_not_draft, nothing_to_release, nothing_to_roll_back, not_scheduled, release_conflict, live_changed"),
        "Invalid": errorResponse("The item does not pass validation: invalid_template (with line and column), unfair_content (with line and column), invalid_rule, invalid_segment, invalid_experiment, invalid_publish_at"),
    ]

    // MARK: - Paths

    static let paths: [String: JSON] = {
        var paths: [String: JSON] = [:]
        for kind in kinds {
            let item = ref(kind.name + "Item")
            paths["/v1/admin/" + kind.plural] = .object([
                "get": operation("list" + kind.name + "s", "List the draft's \(kind.plural): live items and pending changes, each with its state",
                                 success: "The \(kind.plural)", schema: object([kind.plural], [kind.plural: array(item)])),
            ])
            paths[kind.path] = .object([
                "get": operation("get" + kind.name, "Read one \(kind.name.lowercased()) of the draft", parameters: kind.parameters,
                                 success: "The item", schema: item),
                "put": operation("put" + kind.name, "Create or change a \(kind.name.lowercased()) in the draft (validated first)",
                                 parameters: kind.parameters, body: ref(kind.name + "Body"),
                                 bodyExamples: kind.examples.compactMap { try? JSONParser.parse($0) },
                                 success: "The item as the draft holds it",
                                 schema: item),
                "delete": operation("delete" + kind.name, "Delete a \(kind.name.lowercased()) in the draft",
                                    parameters: kind.parameters, success: "Deleted in the draft", schema: ref(kind.name + "Deleted")),
            ])
        }
        paths["/v1/admin/experiments/{key}/results"] = .object([
            "get": operation("experimentResults", "Results per variant, as etalage experiments results --json",
                             parameters: kinds[3].parameters, success: "The results", schema: ref("ExperimentResults")),
        ])
        paths["/v1/admin/changes"] = .object([
            "get": operation("listChanges", "The pending changes of the draft, oldest first", success: "The changes",
                             schema: object(["changes"], ["changes": array(ref("Change"))])),
            "delete": operation("discardChanges", "Discard the whole draft", success: "How many changes were discarded",
                                schema: object(["discarded"], ["discarded": count])),
        ])
        let releaseId = pathParameter("id", "The release id", schema: .object(["type": .string("integer"), "minimum": .number(1)]))
        paths["/v1/admin/releases"] = .object([
            "get": operation("listReleases", "Every release, newest first, and which one is live", success: "The releases",
                             schema: object(["live", "releases"], ["live": nullable("integer"), "releases": array(ref("ReleaseSummary"))])),
            "post": operation("createRelease", "Release the draft: now, or at publishAt",
                              body: object([], ["note": nullable("string"),
                                                "publishAt": .object(["type": .array([.string("string"), .string("null")]),
                                                                      "format": .string("date-time")])]),
                              bodyRequired: false,
                              bodyExamples: [#"{"note":"winter content"}"#, #"{"note":"later","publishAt":"2099-01-01T00:00:00+01:00"}"#]
                                  .compactMap { try? JSONParser.parse($0) },
                              status: "201", success: "The release, published or scheduled", schema: ref("Release")),
        ])
        paths["/v1/admin/releases/{id}"] = .object([
            "get": operation("getRelease", "One release with its change list", parameters: [releaseId], success: "The release",
                             schema: ref("Release")),
            "delete": operation("cancelRelease", "Cancel a scheduled release; its changes go back into the draft",
                                description: "Each change is checked again as an edit; one is skipped when the draft has a newer change of the same item or it no longer fits.",
                                parameters: [releaseId], success: "The cancelled release, with what went back into the draft",
                                schema: ref("CancelledRelease")),
        ])
        paths["/v1/admin/releases/rollback"] = .object([
            "post": operation("rollback", "Restore the content of the release before the live one, as a new release",
                              description: "Experiments that have run are written stopped, never deleted, made drafts or restarted. With from, nothing happens (409 live_changed) unless that release is still the live one.",
                              body: object([], [
                                  "note": nullable("string"),
                                  "from": .object(["type": .array([.string("integer"), .string("null")]), "minimum": .number(1),
                                                   "description": .string("The live release the caller saw; 409 live_changed when another one is live by now")]),
                              ]), bodyRequired: false, status: "201",
                              success: "The rollback release", schema: ref("Release")),
        ])
        paths["/v1/admin/releases/diff"] = .object([
            "get": operation("diffReleases", "The items that differ between two releases (or live, or the draft)",
                             parameters: [queryParameter("from", "A release id, live or draft", required: true),
                                          queryParameter("to", "A release id, live or draft", required: true)],
                             success: "The differences",
                             schema: object(["from", "to", "differences"], ["from": ref("ReleaseReference"), "to": ref("ReleaseReference"),
                                                                            "differences": array(ref("Difference"))])),
        ])
        paths["/v1/admin/preview"] = .object([
            "post": operation("preview", "What a visitor would get at a time, under a release or the draft, with the full trace",
                              description: "Member attributes are the current snapshot's; the time moves rule and experiment schedules. Nothing is recorded.",
                              body: ref("PreviewRequest"),
                              bodyExamples: [#"{"context":{"visitorId":"v","memberId":"M000042"},"release":"draft"}"#,
                                             #"{"context":{"visitorId":"v","memberId":"M000042"},"at":"2030-01-01T00:00:00Z"}"#]
                                  .compactMap { try? JSONParser.parse($0) },
                              success: "The decision",
                              schema: object(["release", "at", "decision"], ["release": ref("ReleaseReference"), "at": type("string"),
                                                                              "decision": ref("Decision")])),
        ])
        paths["/v1/admin/reach"] = .object([
            "get": operation("reach", "Members per segment and per rule on a plain visit",
                             description: "A plain visit: signed in, no referral, nothing browsed, an empty cart, consent as stored. reach: members a rule's segment and condition match; wins: members for whom it wins its slot now.",
                             parameters: [queryParameter("release", "live (default), draft or a release id", required: false)],
                             success: "The counts",
                             schema: object(["release", "segments", "rules"], [
                                 "release": ref("ReleaseReference"),
                                 "segments": array(object(["id", "members"], ["id": type("string"), "members": count])),
                                 "rules": array(object(["id", "slot", "reach", "wins"], ["id": type("string"), "slot": type("string"),
                                                                                        "reach": count, "wins": count])),
                             ])),
        ])
        return paths
    }()
}
