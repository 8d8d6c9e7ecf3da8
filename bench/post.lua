-- One new event per request: no guid, so the service makes one.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"memberUniqueKey":"bench member","eventDateTime":"2025-08-14T01:25:53.8669171+00:00","eventTypeId":"Usage","invoiceBillingEventStatusId":"Pending","quantity":6.0,"price":7.0}'
