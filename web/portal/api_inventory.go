package portal

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"mimamori/edge/intel"
	"mimamori/edge/intel/services"
)

// The inventory API (docs/API.md): device detail, matrices, rankings and
// service names. Field names follow the contract: added, never renamed.

// apiInference is what inference made of a device; it is part of every
// device object the API returns.
type apiInference struct {
	MACKind      string  `json:"mac_kind"`
	Vendor       string  `json:"vendor"`
	OS           string  `json:"os"`
	OSFamily     string  `json:"os_family"`
	OSConfidence int     `json:"os_confidence"`
	Role         string  `json:"role"`
	Importance   float64 `json:"importance"`
	EOL          bool    `json:"eol"`
	EOLState     string  `json:"eol_state"`
}

func inference(d *intel.Device) apiInference {
	if d == nil {
		return apiInference{MACKind: intel.MACGlobal, Role: string(intel.RoleUnknown), EOLState: "unknown"}
	}
	return apiInference{MACKind: d.MACKind, Vendor: d.Vendor, OS: d.OS.Name, OSFamily: d.OS.Family,
		OSConfidence: d.OS.Confidence, Role: string(d.Role), Importance: d.Importance,
		EOL: d.EOL.Vulnerable(), EOLState: string(d.EOL.State)}
}

type apiEvidence struct {
	Source     string `json:"source"`
	OS         string `json:"os"`
	OSFamily   string `json:"os_family"`
	Confidence int    `json:"confidence"`
	Detail     string `json:"detail"`
}

type apiProduct struct {
	Name string `json:"name"`
	End  string `json:"end"` // YYYY-MM-DD, "" when no date is set
	Kind string `json:"kind"`
}

type apiService struct {
	Proto   string `json:"proto"`
	Port    uint16 `json:"port"`
	Name    string `json:"name"`
	OT      bool   `json:"ot"`
	Peers   int    `json:"peers"`
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

type apiIdentity struct {
	Protocol string `json:"protocol"`
	IP       string `json:"ip"`
	Vendor   string `json:"vendor"`
	Product  string `json:"product"`
	Model    string `json:"model"`
	Serial   string `json:"serial"`
	Firmware string `json:"firmware"`
	Name     string `json:"name"`
}

type apiDeviceDetail struct {
	MAC          string        `json:"mac"`
	IPs          []string      `json:"ips"`
	Hostname     string        `json:"hostname"`
	VendorName   string        `json:"vendor_registered"`
	VendorPrefix string        `json:"vendor_prefix"`
	Peers        int           `json:"peers"`
	OSEvidence   []apiEvidence `json:"os_evidence"`
	EOLProducts  []apiProduct  `json:"eol_products"`
	RoleReasons  []string      `json:"role_reasons"`
	OtherRoles   []string      `json:"other_roles"`
	Importance   struct {
		PageRank   float64 `json:"pagerank"`
		Degree     float64 `json:"degree"`
		RoleWeight float64 `json:"role_weight"`
	} `json:"importance_parts"`
	Served      []apiService  `json:"served"`
	Used        []apiService  `json:"used"`
	OTProtocols []string      `json:"ot_protocols"`
	Identities  []apiIdentity `json:"identities"`
	apiInference
}

func apiServices(us []intel.ServiceUse) []apiService {
	out := make([]apiService, len(us))
	for i, u := range us {
		out[i] = apiService{Proto: services.ProtoName(u.Proto), Port: u.Port, Name: u.Name, OT: u.OT,
			Peers: u.Peers, Packets: u.Packets, Bytes: u.Bytes}
	}
	return out
}

func (s *Server) apiDevice(w http.ResponseWriter, r *http.Request, sess *session) {
	mac := strings.ToLower(r.PathValue("mac"))
	if hw, err := net.ParseMAC(mac); err != nil || len(hw) != 6 {
		writeJSONError(w, http.StatusBadRequest, "invalid mac: want aa:bb:cc:dd:ee:ff")
		return
	}
	inv, err := s.inventory.Inventory(r.Context(), sess.Tenant)
	if err != nil {
		s.apiError(w, "device", err)
		return
	}
	d, ok := inv.Device(mac)
	if !ok {
		writeJSONError(w, http.StatusNotFound, "no such device")
		return
	}
	out := apiDeviceDetail{MAC: d.MAC, IPs: addrStrings(d.IPs), Hostname: d.Hostname, VendorName: d.VendorFull,
		VendorPrefix: d.VendorPrefix, Peers: d.Peers, apiInference: inference(d),
		OSEvidence: []apiEvidence{}, EOLProducts: []apiProduct{}, RoleReasons: []string{}, OtherRoles: []string{},
		Served: apiServices(d.Served), Used: apiServices(d.Used), OTProtocols: nonNil(d.OTProtocols), Identities: []apiIdentity{}}
	for _, e := range d.OS.Evidence {
		out.OSEvidence = append(out.OSEvidence, apiEvidence{Source: e.Source, OS: e.OS.Name, OSFamily: e.OS.Family,
			Confidence: e.Confidence, Detail: e.Detail})
	}
	for _, p := range d.EOL.Products {
		end := ""
		if !p.End.IsZero() {
			end = p.End.Format("2006-01-02")
		}
		out.EOLProducts = append(out.EOLProducts, apiProduct{Name: p.Name, End: end, Kind: p.Kind})
	}
	for _, rs := range d.RoleReasons {
		out.RoleReasons = append(out.RoleReasons, rs.English())
	}
	for _, o := range d.OtherRoles {
		out.OtherRoles = append(out.OtherRoles, string(o))
	}
	out.Importance.PageRank, out.Importance.Degree, out.Importance.RoleWeight =
		d.ImportanceOf.PageRank, d.ImportanceOf.Degree, d.ImportanceOf.Role
	for _, id := range d.Identities {
		ip := ""
		if id.IP.IsValid() {
			ip = id.IP.String()
		}
		out.Identities = append(out.Identities, apiIdentity{Protocol: id.Protocol, IP: ip, Vendor: id.Vendor,
			Product: id.Product, Model: id.Model, Serial: id.Serial, Firmware: id.Firmware, Name: id.Name})
	}
	writeJSON(w, http.StatusOK, out)
}

type apiLegend struct {
	Index   int    `json:"index"`
	Key     string `json:"key"`
	Label   string `json:"label"`
	Colour  string `json:"colour"`
	Devices int    `json:"devices"`
}

type apiCell struct {
	Row      int    `json:"row"`
	Col      int    `json:"col"`
	MAC      string `json:"mac"`
	IP       string `json:"ip"`
	Hostname string `json:"hostname"`
	Legend   int    `json:"legend"`
	Detail   string `json:"detail"`
}

func (s *Server) apiMatrix(w http.ResponseWriter, r *http.Request, sess *session) {
	kind := intel.MatrixKind(r.PathValue("kind"))
	if _, ok := matrixInfo[kind]; !ok {
		writeJSONError(w, http.StatusNotFound, "no such endpoint")
		return
	}
	page, err := parsePageNumber(r.URL.Query(), intel.MatrixSize*intel.MatrixSize)
	if err != nil {
		s.apiError(w, "matrix", err)
		return
	}
	inv, err := s.inventory.Inventory(r.Context(), sess.Tenant)
	if err != nil {
		s.apiError(w, "matrix", err)
		return
	}
	m := intel.BuildMatrix(inv, kind, page)
	legend := make([]apiLegend, len(m.Legend))
	for i, l := range m.Legend {
		legend[i] = apiLegend{Index: i, Key: l.Key, Label: l.Label, Colour: l.Colour, Devices: l.Devices}
	}
	cells := make([]apiCell, len(m.Cells))
	for i, c := range m.Cells {
		ip := ""
		if a := c.Device.PrimaryIP(); a.IsValid() {
			ip = a.String()
		}
		cells[i] = apiCell{Row: c.Row, Col: c.Col, MAC: c.Device.MAC, IP: ip, Hostname: c.Device.Hostname,
			Legend: c.Legend, Detail: c.Detail}
	}
	writeJSON(w, http.StatusOK, struct {
		Kind    string      `json:"kind"`
		Size    int         `json:"size"`
		Page    int         `json:"page"`
		Pages   int         `json:"pages"`
		Devices int         `json:"devices"`
		Legend  []apiLegend `json:"legend"`
		Cells   []apiCell   `json:"cells"`
	}{string(kind), intel.MatrixSize, m.Page, m.Pages, m.Devices, legend, cells})
}

type apiRankedDevice struct {
	Rank     int      `json:"rank"`
	MAC      string   `json:"mac"`
	IPs      []string `json:"ips"`
	Hostname string   `json:"hostname"`
	Bytes    uint64   `json:"bytes"`
	Packets  uint64   `json:"packets"`
	Peers    int      `json:"peers"`
	apiInference
}

type apiRankedService struct {
	Rank    int    `json:"rank"`
	Proto   string `json:"proto"`
	Port    uint16 `json:"port"`
	Name    string `json:"name"`
	OT      bool   `json:"ot"`
	Bytes   uint64 `json:"bytes"`
	Packets uint64 `json:"packets"`
	Flows   uint64 `json:"flows"`
	Devices int    `json:"devices"`
	Clients int    `json:"clients"`
	Servers int    `json:"servers"`
}

type apiRankedVendor struct {
	Rank    int      `json:"rank"`
	Vendor  string   `json:"vendor"`
	Devices int      `json:"devices"`
	IPs     []string `json:"ips"`
	MACs    []string `json:"macs"`
}

func (s *Server) apiRanking(w http.ResponseWriter, r *http.Request, sess *session) {
	key := r.PathValue("kind")
	if _, _, ok := rankingTitle(key); !ok {
		writeJSONError(w, http.StatusNotFound, "no such endpoint")
		return
	}
	q := r.URL.Query()
	pk, period, err := parsePeriod(q)
	if err != nil {
		s.apiError(w, "ranking", err)
		return
	}
	limit, _, err := parseLimitOffset(q, rankingLimit, apiMaxLimit)
	if err != nil {
		s.apiError(w, "ranking", err)
		return
	}
	inv, err := s.inventory.Inventory(r.Context(), sess.Tenant)
	if err != nil {
		s.apiError(w, "ranking", err)
		return
	}
	v, err := s.rankingData(r, sess.Tenant, key, period, limit)
	if err != nil {
		s.apiError(w, "ranking", err)
		return
	}
	out := struct {
		Ranking  string             `json:"ranking"`
		Period   string             `json:"period"`
		Devices  []apiRankedDevice  `json:"devices"`
		Services []apiRankedService `json:"services"`
		Vendors  []apiRankedVendor  `json:"vendors"`
	}{Ranking: key, Period: pk, Devices: []apiRankedDevice{}, Services: []apiRankedService{}, Vendors: []apiRankedVendor{}}
	if !v.HasPeriod {
		out.Period = ""
	}
	for _, d := range v.Devices {
		out.Devices = append(out.Devices, apiRankedDevice{Rank: d.Rank, MAC: d.MAC, IPs: addrStrings(d.IPs),
			Hostname: d.Hostname, Bytes: d.Bytes, Packets: d.Packets, Peers: d.Peers, apiInference: inference(d.Device)})
	}
	for i, sv := range v.Services {
		out.Services = append(out.Services, apiRankedService{Rank: i + 1, Proto: services.ProtoName(sv.Proto), Port: sv.Port,
			Name: sv.Name, OT: sv.OT, Bytes: sv.Bytes, Packets: sv.Packets, Flows: sv.Flows, Devices: sv.Devices,
			Clients: sv.Clients, Servers: sv.Servers})
	}
	if key == "vendors" {
		for i, x := range intel.VendorsByDevices(inv) {
			if i == limit {
				break
			}
			vr := apiRankedVendor{Rank: i + 1, Vendor: x.Label, Devices: len(x.Devices), IPs: addrStrings(x.IPs), MACs: []string{}}
			for _, d := range x.Devices {
				vr.MACs = append(vr.MACs, d.MAC)
			}
			out.Vendors = append(out.Vendors, vr)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type apiServiceName struct {
	Proto       string `json:"proto"`
	Port        uint16 `json:"port"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Source      string `json:"source"`
	OT          bool   `json:"ot"`
}

// apiServices lists the tenant's effective service names: built-in names
// with the tenant's own in their place.
func (s *Server) apiServices(w http.ResponseWriter, r *http.Request, sess *session) {
	q := r.URL.Query()
	search, err := parseSearch(q, "q")
	if err != nil {
		s.apiError(w, "services", err)
		return
	}
	limit, offset, err := parseLimitOffset(q, apiDefaultLimit, apiMaxLimit)
	if err != nil {
		s.apiError(w, "services", err)
		return
	}
	inv, err := s.inventory.Inventory(r.Context(), sess.Tenant)
	if err != nil {
		s.apiError(w, "services", err)
		return
	}
	source := q.Get("source")
	ls := strings.ToLower(search)
	var all []apiServiceName
	for _, sv := range inv.Services.All() {
		if source != "" && sv.Source != source {
			continue
		}
		if ls != "" && !strings.Contains(strings.ToLower(sv.Name), ls) && strconv.Itoa(int(sv.Port)) != ls {
			continue
		}
		all = append(all, apiServiceName{Proto: services.ProtoName(sv.Proto), Port: sv.Port, Name: sv.Name,
			Description: sv.Description, Source: sv.Source, OT: sv.OT})
	}
	start := min(offset, len(all))
	end := min(start+limit, len(all))
	page := all[start:end]
	if page == nil {
		page = []apiServiceName{}
	}
	writeJSON(w, http.StatusOK, struct {
		Services []apiServiceName `json:"services"`
		Limit    int              `json:"limit"`
		Offset   int              `json:"offset"`
		HasMore  bool             `json:"has_more"`
	}{page, limit, offset, end < len(all)})
}
