/// The OpenAPI 3.1 document served at `GET /openapi.json`: every public and admin endpoint with its request and
/// response schemas and error responses. `.ci/schemathesis.sh` checks a live server against it; keep the two in step.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "Etalage",
        "version": "1.0.0",
        "description": "Storefront-personalization decisions: the homepage variant, greeting, banner and call-to-action for a page view, events, health, metrics and the GDPR admin API. Every error body is {\"error\": {\"code\": \"...\", \"message\": \"...\"}}. Lengths marked 'bytes' count UTF-8 bytes; JSON Schema's maxLength counts characters, so a string within maxLength can still be refused with 400 invalid_field."
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

    static let bytes: [UInt8] = Array(json.utf8)
}
