//! Every format the original speaks: XML and form bodies, content negotiation on every
//! route, XML responses and XML problems.

use crate::helpers::{new_guid, xml_child, xml_children, Reply, TestApp, SEED_GUID, SEED_SAMPLE};
use api_actix::docs::samples;

const XML_TYPES: [&str; 2] = ["application/xml", "text/xml"];

pub async fn every_request_sample_is_accepted_as_the_same_event(app: TestApp) {
    let mut statuses = Vec::new();
    for sample in samples::REQUESTS {
        let reply = app
            .post(
                "/api/v1/BillingEvents/acme",
                sample.content_type,
                sample.body,
            )
            .await;
        assert!(
            matches!(reply.status, 200 | 201),
            "{}: {}",
            sample.content_type,
            reply.text
        );
        statuses.push(reply.status);
    }
    assert_eq!(
        statuses,
        [201, 200, 200, 200, 200],
        "one stored, each other format a retry of it"
    );
}

pub async fn xml_bodies_take_any_case_any_order_nil_and_unknown_elements(app: TestApp) {
    let guid = new_guid();
    let xml = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
        <evt xmlns:x="http://www.w3.org/2001/XMLSchema-instance" xmlns="urn:any">
          <price>2.50</price><QUANTITY>-1</QUANTITY><Comment>ignored</Comment>
          <eventDateTime>2025-08-14T03:25:53.5+02:00</eventDateTime>
          <InvoiceBillingEventStatusId x:nil="true"/><eventtypeid>4</eventtypeid>
          <memberUniqueKey>Tom &amp; Jerry &lt;3</memberUniqueKey>
          <BillingEventGuid>{guid}</BillingEventGuid>
        </evt>"#
    );
    let reply = app
        .post(
            "/api/v1/BillingEvents/acme",
            "text/xml; charset=utf-8",
            &xml,
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let stored = app.get(&format!("/api/v1/BillingEvents/{guid}")).await;
    let event = stored.json();
    assert_eq!(event["memberUniqueKey"], "Tom & Jerry <3");
    assert_eq!(event["eventDateTime"], "2025-08-14T01:25:53.5000000+00:00");
    assert_eq!(event["eventTypeId"], "Credit");
    assert_eq!(event["invoiceBillingEventStatusId"], "Unknown");
    assert!(
        stored.text.contains(r#""quantity":-1,"price":2.50"#),
        "{}",
        stored.text
    );
}

pub async fn xml_and_form_errors_name_each_field(app: TestApp) {
    let xml = "<E><Price>seven</Price><MemberUniqueKey>m</MemberUniqueKey>\
               <Quantity><n>1</n></Quantity></E>";
    let reply = app
        .post("/api/v1/BillingEvents/acme", "application/xml", xml)
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    let (root, fields) = xml_children(&reply.text);
    assert_eq!(root, "problem");
    assert!(
        fields.iter().any(|(name, _)| name == "errors"),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains("<price><i>must be a decimal number"),
        "{}",
        reply.text
    );
    assert!(
        reply
            .text
            .contains("<quantity><i>must not be nested XML elements</i></quantity>"),
        "{}",
        reply.text
    );
    assert!(
        reply
            .text
            .contains("<eventDateTime><i>is required</i></eventDateTime>"),
        "{}",
        reply.text
    );

    let form = "memberUniqueKey=&QUANTITY=1e3&price=7&eventdatetime=yesterday";
    let reply = app
        .post(
            "/api/v1/BillingEvents/acme",
            "application/x-www-form-urlencoded",
            form,
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    let problem = reply.json();
    let mut named: Vec<_> = problem["errors"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    named.sort();
    assert_eq!(
        named,
        ["eventDateTime", "memberUniqueKey", "quantity"],
        "{problem}"
    );
}

pub async fn doctypes_and_entities_are_refused_and_nothing_is_stored(app: TestApp) {
    let guid = new_guid();
    for xml in [
        format!(
            concat!(
            r#"<!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>"#,
            "<e><BillingEventGuid>{guid}</BillingEventGuid><MemberUniqueKey>&b;</MemberUniqueKey>",
            "<EventDateTime>2025-01-01T00:00:00Z</EventDateTime>",
            "<Quantity>1</Quantity><Price>1</Price></e>",
        ),
            guid = guid
        ),
        format!(
            concat!(
            r#"<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/hostname">]>"#,
            "<e><BillingEventGuid>{guid}</BillingEventGuid><MemberUniqueKey>&x;</MemberUniqueKey>",
            "<EventDateTime>2025-01-01T00:00:00Z</EventDateTime>",
            "<Quantity>1</Quantity><Price>1</Price></e>",
        ),
            guid = guid
        ),
        format!(
            concat!(
            "<e><BillingEventGuid>{guid}</BillingEventGuid><MemberUniqueKey>&x;</MemberUniqueKey>",
            "<EventDateTime>2025-01-01T00:00:00Z</EventDateTime>",
            "<Quantity>1</Quantity><Price>1</Price></e>",
        ),
            guid = guid
        ),
    ] {
        let reply = app
            .post("/api/v1/BillingEvents/acme", "application/xml", &xml)
            .await;
        assert_eq!(reply.status, 400, "{}", reply.text);
        // Posted as XML with no Accept: answered as an XML problem.
        assert!(reply
            .header("content-type")
            .starts_with("application/problem+xml"));
        assert_eq!(xml_child(&reply.text, "type"), "/problems/malformed-body");
    }
    assert_eq!(
        app.get(&format!("/api/v1/BillingEvents/{guid}"))
            .await
            .status,
        404
    );
}

pub async fn malformed_xml_is_400(app: TestApp) {
    for xml in [
        "",
        "<e><Price>1</e>",
        "<a/><b/>",
        "plain text",
        "<e attr=></e>",
    ] {
        let reply = app
            .post("/api/v1/BillingEvents/acme", "text/xml", xml)
            .await;
        assert_eq!(reply.status, 400, "{xml:?}: {}", reply.text);
        assert_eq!(xml_child(&reply.text, "type"), "/problems/malformed-body");
    }
}

pub async fn xml_responses_follow_the_contract(app: TestApp) {
    app.post_json("/api/v1/BillingEvents/acme", SEED_SAMPLE)
        .await;
    let request = app
        .client
        .get(format!("{}/api/v1/BillingEvents/{SEED_GUID}", app.address))
        .header("Accept", "application/xml");
    let reply = app.send(request).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        "application/xml; charset=utf-8"
    );
    assert!(
        reply
            .text
            .contains(r#"xmlns:i="http://www.w3.org/2001/XMLSchema-instance""#),
        "{}",
        reply.text
    );
    assert!(
        reply
            .text
            .contains(r#"xmlns="http://schemas.datacontract.org/2004/07/BillingEvents""#),
        "{}",
        reply.text
    );
    let (root, children) = xml_children(&reply.text);
    assert_eq!(root, "InvoiceBillingEvent");
    let names: Vec<&str> = children.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "BillingEventGuid",
            "EventDateTime",
            "EventTypeId",
            "ExecutionTime",
            "InvoiceBillingEventStatusId",
            "MemberUniqueKey",
            "ModifiedDateTime",
            "Price",
            "Quantity",
            "TxID"
        ]
    );
    assert_eq!(xml_child(&reply.text, "Quantity"), "6.0");
    assert_eq!(xml_child(&reply.text, "Price"), "7.0");
    assert_eq!(
        xml_child(&reply.text, "EventDateTime"),
        "2025-08-14T01:25:53.8669170+00:00"
    );
    assert_eq!(
        xml_child(&reply.text, "TxID"),
        reply.header("x-transaction-id")
    );
}

/// What a reply in the expected format must look like. A problem comes under the
/// expected type itself when the client's `Accept` named it.
fn assert_in_format(reply: &Reply, expected_type: &str, named: bool, context: &str) {
    let content_type = reply.header("content-type");
    let xml = expected_type.ends_with("xml");
    if reply.status >= 400 && !named {
        let problem_type = if xml {
            "application/problem+xml"
        } else {
            "application/problem+json"
        };
        assert!(
            content_type.starts_with(problem_type),
            "{context}: {content_type}"
        );
    } else {
        assert!(
            content_type.starts_with(expected_type),
            "{context}: {content_type}"
        );
    }
    if xml {
        let (root, _) = xml_children(&reply.text);
        assert!(!root.is_empty(), "{context}: {}", reply.text);
        if reply.status >= 400 {
            assert_eq!(root, "problem", "{context}");
            assert_eq!(
                xml_child(&reply.text, "txID"),
                reply.header("x-transaction-id")
            );
        }
    } else {
        reply.json();
    }
}

/// A request of the negotiation matrix: name, method, path, JSON body, expected status.
type MatrixRoute = (&'static str, reqwest::Method, String, Option<String>, u16);

/// Every route, in each of its outcomes, for a fresh event `guid`.
fn matrix_routes(guid: &str) -> Vec<MatrixRoute> {
    use reqwest::Method;
    let post = "/api/v1/BillingEvents/acme".to_owned();
    let body = crate::helpers::event_body(&[("billingEventGuid", serde_json::json!(guid))]);
    vec![
        (
            "POST new",
            Method::POST,
            post.clone(),
            Some(body.clone()),
            201,
        ),
        ("POST replay", Method::POST, post.clone(), Some(body), 200),
        (
            "POST invalid",
            Method::POST,
            post.clone(),
            Some("{}".to_owned()),
            400,
        ),
        (
            "GET event",
            Method::GET,
            format!("/api/v1/BillingEvents/{guid}"),
            None,
            200,
        ),
        (
            "GET unknown event",
            Method::GET,
            format!("/api/v1/BillingEvents/{}", new_guid()),
            None,
            404,
        ),
        ("GET not a guid", Method::GET, post.clone(), None, 400),
        ("GET health", Method::GET, "/health".to_owned(), None, 200),
        ("GET ready", Method::GET, "/ready".to_owned(), None, 200),
        (
            "GET no route",
            Method::GET,
            "/nowhere".to_owned(),
            None,
            404,
        ),
        ("DELETE", Method::DELETE, post, None, 405),
    ]
}

pub async fn every_route_answers_in_the_negotiated_format(app: TestApp) {
    // Accept, the format of every answer, and whether Accept named that format.
    let accepts: [(Option<&str>, &str, bool); 10] = [
        (None, "application/json", false),
        (Some("*/*"), "application/json", false),
        (Some("application/json"), "application/json", true),
        (Some("text/json"), "text/json", true),
        (Some("application/xml"), "application/xml", true),
        (Some("text/xml"), "text/xml", true),
        (Some("text/html"), "application/json", false),
        (Some("application/xml;q=0.5, text/json"), "text/json", true),
        (
            Some("text/html;q=0.9, text/xml;q=0.8, */*;q=0.1"),
            "text/xml",
            true,
        ),
        (
            Some("application/xml, application/problem+xml"),
            "application/xml",
            false,
        ),
    ];
    for (accept, expected, named) in accepts {
        for (name, method, path, body, status) in matrix_routes(&new_guid()) {
            let mut request = app.client.request(method, format!("{}{path}", app.address));
            if let Some(accept) = accept {
                request = request.header("Accept", accept);
            }
            if let Some(body) = body {
                request = request
                    .header("Content-Type", "application/json")
                    .body(body);
            }
            let reply = app.send(request).await;
            let context = format!("{name} with Accept {accept:?}");
            assert_eq!(reply.status, status, "{context}: {}", reply.text);
            assert_in_format(&reply, expected, named, &context);
        }
    }
    // The XML body formats answer in whatever the client accepts, too.
    for content_type in XML_TYPES {
        let sample = samples::REQUESTS
            .iter()
            .find(|s| s.content_type == content_type)
            .unwrap();
        let request = app
            .client
            .post(format!("{}/api/v1/BillingEvents/acme", app.address))
            .header("Content-Type", content_type)
            .header("Accept", "text/json")
            .body(sample.body);
        let reply = app.send(request).await;
        assert_in_format(&reply, "text/json", true, content_type);
    }
}

/// Elements whose children are not in data-contract order: the ordinal order of their
/// names, which `DataContractSerializer` reads by default and beyond which it silently
/// skips. Lists (children of one name) and the field dictionaries are exempt.
fn out_of_data_contract_order(xml: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut open: Vec<(String, Vec<String>)> = Vec::new();
    let mut wrong = Vec::new();
    let mut check = |name: &str, children: &[String]| {
        let list = children.windows(2).all(|pair| pair[0] == pair[1]);
        let sorted = children.windows(2).all(|pair| pair[0] < pair[1]);
        let field_map = ["Errors", "errors", "ModelState"].contains(&name);
        if !field_map && !list && !sorted {
            wrong.push(format!("{name}: {children:?}"));
        }
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(element) => {
                let name = String::from_utf8(element.local_name().as_ref().to_vec()).unwrap();
                if let Some((_, children)) = open.last_mut() {
                    children.push(name.clone());
                }
                open.push((name, Vec::new()));
            }
            Event::Empty(element) => {
                let name = String::from_utf8(element.local_name().as_ref().to_vec()).unwrap();
                if let Some((_, children)) = open.last_mut() {
                    children.push(name);
                }
            }
            Event::End(_) => {
                let (name, children) = open.pop().unwrap();
                check(&name, &children);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    wrong
}

pub async fn xml_answers_list_members_in_data_contract_order(app: TestApp) {
    let guid = new_guid();
    let body = crate::helpers::event_body(&[("billingEventGuid", serde_json::json!(guid))]);
    let batch = format!("[{body}, {{}}]");
    let settlement =
        serde_json::json!({ "billingEventGuids": [guid, new_guid()], "status": "Invoiced" })
            .to_string();
    let requests: [(&str, reqwest::Method, String, Option<&str>); 7] = [
        (
            "post",
            reqwest::Method::POST,
            "/api/v1/BillingEvents/acme".into(),
            Some(&body),
        ),
        (
            "read",
            reqwest::Method::GET,
            format!("/api/v1/BillingEvents/{guid}"),
            None,
        ),
        (
            "page",
            reqwest::Method::GET,
            "/api/v1/BillingEvents?clientName=acme".into(),
            None,
        ),
        (
            "batch",
            reqwest::Method::POST,
            "/api/v1/BillingEvents/acme/batch".into(),
            Some(&batch),
        ),
        (
            "settle",
            reqwest::Method::POST,
            "/api/v1/BillingEvents/acme/status".into(),
            Some(&settlement),
        ),
        (
            "history",
            reqwest::Method::GET,
            format!("/api/v1/BillingEvents/{guid}/history"),
            None,
        ),
        (
            "summary",
            reqwest::Method::GET,
            "/api/v1/BillingEvents/summary?clientName=acme\
             &groupBy=type&groupBy=member&groupBy=status"
                .into(),
            None,
        ),
    ];
    for (name, method, path, body) in requests {
        let mut request = app
            .client
            .request(method, format!("{}{path}", app.address))
            .header("Accept", "application/xml");
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_owned());
        }
        let reply = app.send(request).await;
        assert!(
            reply.status < 300,
            "{name}: {} {}",
            reply.status,
            reply.text
        );
        assert_eq!(
            out_of_data_contract_order(&reply.text),
            Vec::<String>::new(),
            "{name}: {}",
            reply.text
        );
    }
}

pub async fn dotnet_text_encodings_are_read_and_others_are_415(app: TestApp) {
    let body =
        |guid: &str| crate::helpers::event_body(&[("billingEventGuid", serde_json::json!(guid))]);
    let post = |content_type: &'static str, bytes: Vec<u8>, encoding: Option<&'static str>| {
        let mut request = app
            .client
            .post(format!("{}/api/v1/BillingEvents/acme", app.address))
            .header("Content-Type", content_type)
            .body(bytes);
        if let Some(encoding) = encoding {
            request = request.header("Content-Encoding", encoding);
        }
        app.send(request)
    };
    let utf16 = |text: &str, bom: bool| -> Vec<u8> {
        let units = bom
            .then_some(0xFEFF_u16)
            .into_iter()
            .chain(text.encode_utf16());
        units.flat_map(u16::to_le_bytes).collect()
    };

    let with_bom = [b"\xEF\xBB\xBF".to_vec(), body(&new_guid()).into_bytes()].concat();
    assert_eq!(post("application/json", with_bom, None).await.status, 201);
    let form = [
        b"\xEF\xBB\xBF".to_vec(),
        b"memberUniqueKey=m&eventDateTime=2025-01-01T00:00:00Z&quantity=1&price=2".to_vec(),
    ]
    .concat();
    assert_eq!(
        post("application/x-www-form-urlencoded", form, None)
            .await
            .status,
        201
    );
    let guid = new_guid();
    let labelled = post(
        "application/json; charset=utf-16",
        utf16(&body(&guid), false),
        None,
    )
    .await;
    assert_eq!(labelled.status, 201, "{}", labelled.text);
    assert_eq!(labelled.json()["billingEventGuid"], serde_json::json!(guid));
    assert_eq!(
        post("application/json", utf16(&body(&new_guid()), true), None)
            .await
            .status,
        201
    );

    let latin1 = post(
        "application/json; charset=iso-8859-1",
        body(&new_guid()).into_bytes(),
        None,
    )
    .await;
    assert_eq!(latin1.status, 415, "{}", latin1.text);
    assert!(latin1.json()["detail"]
        .as_str()
        .unwrap()
        .contains("charset=iso-8859-1"));
    // Latin-1 bytes declared as such: the declaration names what is refused, instead
    // of a "not well-formed" for the é read as UTF-8.
    let latin1_xml = [
        &br#"<?xml version="1.0" encoding="ISO-8859-1"?>"#[..],
        b"<InvoiceBillingEvent><MemberUniqueKey>caf",
        &[0xE9],
        b"</MemberUniqueKey><EventDateTime>2025-01-01T00:00:00Z</EventDateTime>",
        b"<Quantity>1</Quantity><Price>2</Price></InvoiceBillingEvent>",
    ]
    .concat();
    let declared = post("application/xml", latin1_xml, None).await;
    assert_eq!(declared.status, 415, "{}", declared.text);
    assert!(
        declared.text.contains("encoding=&quot;iso-8859-1&quot;"),
        "{}",
        declared.text
    );
    let gzip = post(
        "application/json",
        vec![0x1f, 0x8b, 0x08, 0x00],
        Some("gzip"),
    )
    .await;
    assert_eq!(gzip.status, 415, "{}", gzip.text);
    assert!(gzip.json()["detail"]
        .as_str()
        .unwrap()
        .contains("Content-Encoding gzip"));

    let unset =
        crate::helpers::event_body(&[("eventDateTime", serde_json::json!("0001-01-01T00:00:00"))]);
    let refused = post("application/json", unset.into_bytes(), None).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.json()["errors"]["eventDateTime"][0]
        .as_str()
        .unwrap()
        .contains("default(DateTime)"));
}
