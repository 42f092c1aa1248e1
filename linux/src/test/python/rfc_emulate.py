# An independent RFC 9669 emulator (no bpf4j code) for the instructions the checked-in differential
# reproducers use, under the instruction-set contract (r1 = memory, r2 = its length, r10 = top of a
# 512-byte stack). It is how the 'rfc-retval' of a reproducer where the kernel diverges was worked out:
#   python3 rfc_emulate.py <program hex> <memory hex>   ->  r0 at exit
import sys
M=(1<<64)-1
def sx(v,bits):
    v&=(1<<bits)-1
    return (v-(1<<bits) if v>>(bits-1) else v)
def run(code, mem):
    mem=bytearray(mem); stack=bytearray(512)
    R=[0]*11; R[1]=0x1_0000_0000; R[2]=len(mem); R[10]=0x2_0000_0000+512
    def region(a):
        if 0x1_0000_0000<=a<0x2_0000_0000: return mem, a-0x1_0000_0000
        return stack, a-0x2_0000_0000
    def ld(a,n):
        b,o=region(a); return int.from_bytes(b[o:o+n],'little')
    def st(a,n,v):
        b,o=region(a); b[o:o+n]=(v&((1<<(8*n))-1)).to_bytes(n,'little')
    ins=[code[i:i+8] for i in range(0,len(code),8)]
    pc=0; SZ={0:4,1:2,2:1,3:8}
    while True:
        b=ins[pc]; op=b[0]; dst=b[1]&15; src=b[1]>>4; off=int.from_bytes(b[2:4],'little',signed=True); imm=int.from_bytes(b[4:8],'little',signed=True)
        cls=op&7; pc+=1
        if cls in (4,7):  # ALU / ALU64
            is64=cls==7; code_=op&0xf0; useX=op&8
            s=R[src] if useX else imm&M
            d=R[dst]
            w=64 if is64 else 32; mask=(1<<w)-1
            if not is64: d&=mask; s&=mask
            if code_==0xd0:  # endian: 0xd4 to_le, 0xdc to_be, 0xd7 bswap
                n=imm//8; v=R[dst]&((1<<imm)-1)
                R[dst]= v if op==0xd4 else int.from_bytes(v.to_bytes(n,'little'),'big')
                continue
            if code_==0x00: r=d+s
            elif code_==0x10: r=d-s
            elif code_==0x20: r=d*s
            elif code_==0x40: r=d|s
            elif code_==0x50: r=d&s
            elif code_==0x60: r=d<<(s&(w-1))
            elif code_==0x70: r=d>>(s&(w-1))
            elif code_==0xa0: r=d^s
            elif code_==0xb0:
                r = s if off==0 else sx(s,off)
            elif code_==0xc0: r=sx(d,w)>>(s&(w-1))
            elif code_==0x80: r=-d
            elif code_ in (0x30,0x90):  # div, mod; off 1: signed
                if off==0:
                    if code_==0x30: r = d//s if s else 0
                    else: r = d%s if s else d
                else:
                    a,b=sx(d,w),sx(s,w)
                    if b==0: r = 0 if code_==0x30 else d
                    else:
                        q=abs(a)//abs(b)
                        if (a<0)!=(b<0): q=-q
                        r = q if code_==0x30 else a-b*q
            else: raise Exception('alu %x'%op)
            R[dst]=r&mask
            continue
        if cls in (5,6):  # JMP / JMP32
            c=op&0xf0
            if c==0x90: return R[0], bytes(mem)
            if c==0x00: pc+=off; continue
            w=64 if cls==5 else 32; mask=(1<<w)-1
            a=R[dst]&mask; bb=(R[src] if op&8 else imm&M)&mask
            sa,sb=sx(a,w),sx(bb,w)
            t={0x10:a==bb,0x20:a>bb,0x30:a>=bb,0x40:(a&bb)!=0,0x50:a!=bb,0x60:sa>sb,0x70:sa>=sb,0xa0:a<bb,0xb0:a<=bb,0xc0:sa<sb,0xd0:sa<=sb}[c]
            if t: pc+=off
            continue
        mode=op&0xe0; n=SZ[(op>>3)&3]
        if cls==0:  # lddw
            nxt=ins[pc]; pc+=1
            R[dst]=(imm&0xffffffff)|(int.from_bytes(nxt[4:8],'little')<<32)
            continue
        if cls==1:  # LDX
            v=ld(R[src]+off,n)
            R[dst]= (sx(v,8*n)&M) if mode==0x80 else v
        elif cls==2: st(R[dst]+off,n,imm&M)
        elif cls==3:
            if mode==0xc0:  # atomic
                a=R[dst]+off; old=ld(a,n); s=R[src]&((1<<(8*n))-1); aop=imm&0xf0; fetch=imm&1
                if imm==0xe1: st(a,n,s); R[src]=old; continue
                if imm==0xf1:
                    cmp=R[0]&((1<<(8*n))-1)
                    if old==cmp: st(a,n,s)
                    R[0]=old; continue
                new={0x00:old+s,0x40:old|s,0x50:old&s,0xa0:old^s}[aop]
                st(a,n,new)
                if fetch: R[src]=old
            else: st(R[dst]+off,n,R[src])
        else: raise Exception('op %x'%op)
hexcode, memhex = sys.argv[1], sys.argv[2]
r0, memory = run(bytes.fromhex(hexcode), bytes.fromhex(memhex))
print(hex(r0))
if len(sys.argv) > 3: print(memory.hex())
