package observe

// Payload fixtures. Those marked "captured" are UDP payloads copied from
// the public captures in /work/shared/pcaps with
//
//	tshark -r FILE -Y 'frame.number==N' -T fields -e udp.payload
//
// and keep the dissection as a comment.

// dnsCNAMEChain is a hand-made response with a two-step CNAME chain,
// compression pointers inside names and rdata, mixed case, and an answer
// that does not hang off the question.
//
//	question PLC-7.Plant.Example A
//	answer   PLC-7.Plant.Example  CNAME EDGE.Plant.Example   (owner c00c, target "EDGE"+c012)
//	answer   EDGE.Plant.Example   CNAME lb.EDGE.Plant.Example (owner c031, target "lb"+c031)
//	answer   LB.edge.PLANT.example A 10.1.2.3                 (owner written out)
//	answer   lb.EDGE.Plant.Example A 10.1.2.4                 (owner c044)
//	answer   other.Example        A 10.9.9.9                  (not in the chain)
var dnsCNAMEChain = mustHex(`
	1234 8180 0001 0005 0000 0000
	05 504c432d37 05 506c616e74 07 4578616d706c65 00 | 0001 0001
	c00c 0005 0001 0000003c 0007 | 04 45444745 c012
	c031 0005 0001 0000003c 0005 | 02 6c62 c031
	02 4c42 04 65646765 05 504c414e54 07 6578616d706c65 00 0001 0001 0000003c 0004 | 0a010203
	c044 0001 0001 0000003c 0004 | 0a010204
	05 6f74686572 c018 0001 0001 0000003c 0004 | 0a090909
`)

// dnsMailGoogle is captured: modbus/iti_bro_modbusSmall.pcap frame 102.
//
//	Standard query response 0x9810 A mail.google.com
//	  CNAME googlemail.l.google.com A 74.125.239.54 A 74.125.239.53
//	  NS ns3/ns2/ns4/ns1.google.com, additional A records for the NS hosts
var dnsMailGoogle = mustHex(`
	981081800001000300040004046d61696c06676f6f676c6503636f6d0000010001c00c00050001000538ae000f0a67
	6f6f676c656d61696c016cc011c02d000100010000002300044a7def36c02d000100010000002300044a7def35c011
	00020001000144210006036e7333c011c01100020001000144210006036e7332c011c011000200010001442100060
	36e7334c011c01100020001000144210006036e7331c011c08c000100010001558a0004d8ef260ac0680001000100
	01558a0004d8ef240ac07a000100010001558a0004d8ef220ac09e000100010001558a0004d8ef200a
`)

// nbnsRegistration is captured: profinet/icsnpp_profinet_io_cm_mixed_1.pcap
// frame 120, 192.168.1.1 → 192.168.1.255.
//
//	Registration NB KW-VLIPC<00>; additional record (name c00c) NB_FLAGS
//	0x6000 (unique, H-node) address 192.168.1.1
var nbnsRegistration = mustHex(`
	92f9 2910 0001 0000 0000 0001
	20 454c4648434e4647454d454a46414544434143414341434143414341434141 41 00 0020 0001
	c00c 0020 0001 000493e0 0006 | 6000 c0a80101
`)

// nbnsGroupRegistration is captured: the same capture, frame 122.
//
//	Registration NB WORKGROUP<00>; NB_FLAGS 0xe000 (group): not a host name
var nbnsGroupRegistration = mustHex(`
	92fa 2910 0001 0000 0000 0001
	20 464845504643454c4548464345504646464143414341434143414341434141 41 00 0020 0001
	c00c 0020 0001 000493e0 0006 | e000 c0a80101
`)

// nbnsQueryResponse is captured:
// attacks/quickdraw_enip_CL5000EIP-IP_Address_Change_Attempt.pcap frame 371.
//
//	Name query response NB DBLICENSESERVER<20> 192.168.10.105
var nbnsQueryResponse = mustHex(`
	9786 8500 0000 0001 0000 0000
	20 45454543454d454a45444546454f4644454646444546464346474546464343 41 00 0020 0001
	000493e0 0006 | 0000 c0a80a69
`)

// nbnsQuery is captured: the same capture, frame 370 (the question only).
var nbnsQuery = mustHex(`
	9786 0110 0001 0000 0000 0000
	20 45454543454d454a45444546454f4644454646444546464346474546464343 41 00 0020 0001
`)

// nbdgmBrowser is captured: the same capture, frame 770, a browser host
// announcement from WIN2K3LAB022<20> at 192.168.10.22 to WORKGROUP<1d>.
var nbdgmBrowser = mustHex(`
	11029787c0a80a16008a00bb0000204648454a454f4443454c4444454d4542454344414443444343414341434143410020
	464845504643454c45484643455046464641434143414341434143414341424e00ff534d4225000000000000000000000
	00000000000000000000000000000000011000021000000000000000000e8030000000000000000210056000300010000
	00020032005c4d41494c534c4f545c42524f57534500010080fc0a0057494e324b334c414230323200006f000502039082
	000f0155aa00
`)
