;
; Mimamori's own TCP signatures, in p0f v3's fingerprint format (see the
; p0f README, section 5). They cover what the p0f 3.09b database lacks:
; current Windows and Linux, network equipment, and the small TCP/IP
; stacks of controllers, I/O and panels. They are matched before
; /etc/p0f/p0f.fp, so on equal terms these labels win.
;
; Classes: win, unix, other. Embedded stacks are named by what their
; traits show; the vendor comes from the MAC registry and the OT protocols,
; and the exact product from industrial identity records.
;

[tcp:request]

; -------
; Windows
; -------

; Windows 10 and 11 (and Server 2016 and newer as clients) open with a
; 64240-byte window and scale 8.
label = s:win:Windows:10 or 11
sig   = *:128:0:*:64240,8:mss,nop,ws,nop,nop,sok:df,id+:0
sig   = *:128:0:*:64240,8:mss,nop,ws,nop,nop,sok,ts:df,id+:0

label = s:win:Windows:Server 2012 R2 or newer
sig   = *:128:0:*:65535,8:mss,nop,ws,nop,nop,sok:df,id+:0

; Vista, 7, 8 and Server 2008: an 8 KB window with a small scale.
label = s:win:Windows:7 or 8
sig   = *:128:0:*:8192,2:mss,nop,ws,nop,nop,sok:df,id+:0
sig   = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0

; XP and Server 2003 size the window to 44 segments without scaling.
label = s:win:Windows:XP or Server 2003
sig   = *:128:0:*:mss*44,0:mss,nop,nop,sok:df,id+:0

; -----
; Linux
; -----

; Since 4.x the initial window is 44 segments (64240 with a 1460 MSS);
; the scale follows memory size.
label = s:unix:Linux:4.x and newer
sig   = *:64:0:*:mss*44,7:mss,sok,ts,nop,ws:df,id+:0
sig   = *:64:0:*:mss*44,8:mss,sok,ts,nop,ws:df,id+:0
sig   = *:64:0:*:mss*44,9:mss,sok,ts,nop,ws:df,id+:0
sig   = *:64:0:*:mss*44,10:mss,sok,ts,nop,ws:df,id+:0

; ---------------------------------
; Network equipment (switches, routers)
; ---------------------------------

; Cisco IOS: the classic 4128-byte window and 536-byte MSS, initial TTL 255.
label = s:other:Cisco IOS:
sig   = *:255:0:536:4128,0:mss::0
sig   = *:255:0:536:4128,0:mss:id-:0

; ------------------------------------------
; Controllers, I/O and panels (embedded RTOS)
; ------------------------------------------

; Siemens S7 CPUs and CPs send with an initial TTL of 30.
label = s:other:Siemens S7:
sig   = *:30:0:*:*,0:mss::0
sig   = *:30:0:*:*,0:mss:id-:0

; Window scale 0 offered after MSS, without SACK or timestamps: the
; VxWorks stack of Logix controllers.
label = s:other:VxWorks:
sig   = *:64:0:*:*,0:mss,nop,ws::0
sig   = *:64:0:*:*,0:mss,nop,ws:id-:0

; A lone MSS option, small window, no DF: the usual RTOS stack of PLCs,
; remote I/O, HMI panels and managed switches. (With DF and a running IP
; ID the same options are p0f's "barebone" Linux, left to its database.)
label = g:other:Embedded:RTOS
sig   = *:64:0:*:*,0:mss::0
sig   = *:64:0:*:*,0:mss:id-:0
sig   = *:64:0:*:*,0:mss:df:0
sig   = *:64:0:*:*,0::id-:0
sig   = *:64:0:*:*,0:::0

[tcp:response]

; -------
; Windows
; -------

label = s:win:Windows:8.1 or newer
sig   = *:128:0:*:65535,8:mss,nop,ws,nop,nop,sok:df,id+:0
sig   = *:128:0:*:65535,8:mss,nop,ws,sok,ts:df,id+:0
sig   = *:128:0:*:65535,8:mss,nop,ws:df,id+:0
sig   = *:128:0:*:64240,8:mss,nop,ws,nop,nop,sok:df,id+:0
sig   = *:128:0:*:64240,8:mss,nop,ws:df,id+:0

label = s:win:Windows:XP or Server 2003
sig   = *:128:0:*:mss*44,0:mss,nop,nop,sok:df,id+:0
sig   = *:128:0:*:mss*44,0:mss:df,id+:0

label = s:win:Windows:7 or 8
sig   = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0
sig   = *:128:0:*:8192,8:mss,nop,ws:df,id+:0

; -----
; Linux
; -----

; 4.x and newer answer with 45 effective segments (65160 with timestamps);
; only the options the client offered are echoed.
label = s:unix:Linux:4.x and newer
sig   = *:64:0:*:mss*45,7:mss,sok,ts,nop,ws:df:0
sig   = *:64:0:*:mss*44,7:mss,nop,nop,sok,nop,ws:df:0
sig   = *:64:0:*:mss*44,7:mss,nop,ws:df:0
sig   = *:64:0:*:mss*44,0:mss,nop,nop,sok:df:0
sig   = *:64:0:*:mss*44,0:mss:df:0
sig   = *:64:0:*:mss*45,7:mss,sok,ts,nop,ws:df,id+:0
sig   = *:64:0:*:mss*44,7:mss,nop,nop,sok,nop,ws:df,id+:0

; ------------------
; Network equipment
; ------------------

label = s:other:Cisco IOS:
sig   = *:255:0:536:4128,0:mss::0
sig   = *:255:0:536:4128,0:mss:id-:0

; ---------------------------
; Controllers, I/O and panels
; ---------------------------

label = s:other:Siemens S7:
sig   = *:30:0:*:*,0:mss::0
sig   = *:30:0:*:*,0:mss:id-:0

label = s:other:VxWorks:
sig   = *:64:0:*:*,0:mss,nop,ws::0
sig   = *:64:0:*:*,0:mss,nop,ws:id-:0

label = g:other:Embedded:RTOS
sig   = *:64:0:*:*,0:mss::0
sig   = *:64:0:*:*,0:mss:id-:0
sig   = *:64:0:*:*,0:mss:df:0
sig   = *:64:0:*:*,0::id-:0
sig   = *:64:0:*:*,0:::0
