package opcua

import "mimamori/protocols"

// service reports a readable message by its body's encoding NodeId:
// requests under their own code, responses under their request's, and a
// ServiceFault as an error of its own naming the service it answers when
// the request was seen. body starts at the NodeId.
func service(m *protocols.Message, id, requestID uint32, body []byte) *protocols.Event {
	d := decoder{b: body}
	d.nodeID()
	if id == serviceFault {
		e := m.Emit(serviceFault, serviceName(serviceFault), protocols.KindResponse)
		e.Error = true
		if status, ok := serviceResult(d); ok {
			e.Add("status", protocols.Hex(uint64(status), 8))
		}
		if code, ok := recall(m.State, requestID); ok {
			e.Add("service", protocols.Uint(uint64(code)))
		}
		return e
	}
	if req, ok := requestOf(id); ok {
		e := m.Emit(req, serviceName(req), protocols.KindResponse)
		// A service result of severity Bad (top bits 10) is an error.
		if status, ok := serviceResult(d); ok && status>>30 == 2 {
			e.Error = true
			e.Add("status", protocols.Hex(uint64(status), 8))
		}
		d.responseHeader()
		if !d.bad {
			response(m, e, req, &d)
		}
		return e
	}
	if name := serviceName(id); name != "" {
		m.State = remember(m.State, requestID, id)
		e := m.Emit(id, name, protocols.KindRequest)
		d.requestHeader()
		if !d.bad {
			request(m, e, id, &d)
		}
		return e
	}
	return m.Emit(id, "", protocols.KindAuto)
}

// request adds the details of a request's parameters, after its header.
func request(m *protocols.Message, e *protocols.Event, id uint32, d *decoder) {
	switch id {
	case openSecureChannel:
		// client protocol version, request type, security mode
		d.skip(4)
		typ := d.u32()
		mode := d.u32()
		if d.bad {
			return
		}
		if typ == 1 {
			e.Add("request_type", protocols.Text("renew"))
		} else {
			e.Add("request_type", protocols.Text("issue"))
		}
		if name := securityModeName(mode); name != "" {
			e.Add("security_mode", protocols.Text(name))
		}
	case createSession:
		// The client describes itself first.
		application(m, d)
	case activateSession:
		// client signature, software certificates, locale ids, then the
		// user identity token, whose type says how the user logged in.
		d.bytes()
		d.bytes()
		for i, n := 0, d.count(); i < n && !d.bad; i++ {
			d.bytes()
			d.bytes()
		}
		for i, n := 0, d.count(); i < n && !d.bad; i++ {
			d.bytes()
		}
		token := d.extensionObject()
		if d.bad {
			return
		}
		if name := userTokenName(token); name != "" {
			e.Add("user_token", protocols.Text(name))
		} else {
			e.Add("user_token", protocols.Uint(uint64(token)))
		}
	case write:
		// The nodes written: how many, and the first one's id.
		n := d.count()
		if d.bad {
			return
		}
		e.Add("nodes", protocols.Uint(uint64(n)))
		if n > 0 {
			nodeDetail(e, "node", d)
		}
	case call:
		// The methods called: how many, and the first one's object and
		// method ids.
		n := d.count()
		if d.bad {
			return
		}
		e.Add("calls", protocols.Uint(uint64(n)))
		if n > 0 {
			nodeDetail(e, "object", d)
			nodeDetail(e, "method", d)
		}
	}
}

// nodeDetail adds a numeric NodeId as namespace:identifier (the namespace
// in hex, `0x02:6001`); other NodeId forms are not shown.
func nodeDetail(e *protocols.Event, key string, d *decoder) {
	ns, id, numeric := d.nodeID()
	if d.bad || !numeric {
		return
	}
	e.Add(key, protocols.RangeIn(uint64(ns), 2, uint64(id), uint64(id)))
}

// response reads the parameters of a response, after its header: the
// server describes itself in GetEndpoints and CreateSession.
func response(m *protocols.Message, e *protocols.Event, req uint32, d *decoder) {
	switch req {
	case getEndpoints:
		if d.count() > 0 {
			d.bytes() // endpoint URL
			application(m, d)
		}
	case createSession:
		d.nodeID() // session id
		d.nodeID() // authentication token
		d.skip(8)  // revised session timeout
		d.bytes()  // server nonce
		d.bytes()  // server certificate
		if d.count() > 0 {
			d.bytes() // endpoint URL
			application(m, d)
		}
	}
}

// serviceResult reads the service result of the ResponseHeader at d,
// after its timestamp and request handle, without advancing d.
func serviceResult(d decoder) (uint32, bool) {
	d.skip(8 + 4)
	status := d.u32()
	return status, !d.bad
}

// application reads an ApplicationDescription — application URI, product
// URI, application name, application type — into the sender's identity:
// the product URI (else the application URI) as product, the name as
// name.
func application(m *protocols.Message, d *decoder) {
	appURI := d.bytes()
	productURI := d.bytes()
	name := d.localizedText()
	typ := d.u32()
	if d.bad || (len(appURI) == 0 && len(productURI) == 0 && len(name) == 0) {
		return
	}
	id := m.Identify()
	id.Product = productURI
	if len(productURI) == 0 {
		id.Product = appURI
	}
	id.Name = name
	if t := applicationTypeName(typ); t != "" {
		id.Add("application_type", protocols.Text(t))
	}
}
