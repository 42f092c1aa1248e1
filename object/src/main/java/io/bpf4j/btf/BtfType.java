package io.bpf4j.btf;

import java.util.List;

/**
 * One BTF type, as {@code include/uapi/linux/btf.h} defines the kinds. Types refer to each other by id
 * (the position in the type section, 1-based; 0 is void), never by reference, so a {@link Btf} stays a flat,
 * immutable table that can be written back byte for byte.
 *
 * <pre>
 *  struct btf_type { u32 name_off; u32 info; union { u32 size; u32 type; }; } followed by kind data
 *  info: bits 0-15 vlen, bits 24-28 kind, bit 31 kind_flag
 * </pre>
 */
public sealed interface BtfType {
    /** The type's name, empty for anonymous types. */
    String name();

    /** The uapi kind number (BTF_KIND_*). */
    int kind();

    record Int(String name, int size, int encoding, int bitOffset, int bits) implements BtfType {
        public static final int SIGNED = 1, CHAR = 2, BOOL = 4;

        public int kind() {
            return 1;
        }
    }

    record Ptr(String name, int target) implements BtfType {
        public int kind() {
            return 2;
        }
    }

    record Array(String name, int elementType, int indexType, int elements) implements BtfType {
        public int kind() {
            return 3;
        }
    }

    /** A struct or union member; {@code bitfieldSize} is 0 for ordinary members. */
    record Member(String name, int type, int bitOffset, int bitfieldSize) {}

    record Struct(String name, int size, List<Member> members) implements BtfType {
        public int kind() {
            return 4;
        }
    }

    record Union(String name, int size, List<Member> members) implements BtfType {
        public int kind() {
            return 5;
        }
    }

    record EnumValue(String name, long value) {}

    /** ENUM (32-bit values) or, with {@code wide}, ENUM64. */
    record Enum(String name, int size, boolean signed, boolean wide, List<EnumValue> values) implements BtfType {
        public int kind() {
            return wide ? 19 : 6;
        }
    }

    record Fwd(String name, boolean union) implements BtfType {
        public int kind() {
            return 7;
        }
    }

    record Typedef(String name, int target) implements BtfType {
        public int kind() {
            return 8;
        }
    }

    record Volatile(String name, int target) implements BtfType {
        public int kind() {
            return 9;
        }
    }

    record Const(String name, int target) implements BtfType {
        public int kind() {
            return 10;
        }
    }

    record Restrict(String name, int target) implements BtfType {
        public int kind() {
            return 11;
        }
    }

    /** A function; {@code linkage} 0 static, 1 global, 2 extern. */
    record Func(String name, int prototype, int linkage) implements BtfType {
        public int kind() {
            return 12;
        }
    }

    record Param(String name, int type) {}

    record FuncProto(String name, int returnType, List<Param> params) implements BtfType {
        public int kind() {
            return 13;
        }
    }

    /** A variable; {@code linkage} 0 static, 1 global allocated, 2 extern. */
    record Var(String name, int type, int linkage) implements BtfType {
        public int kind() {
            return 14;
        }
    }

    /** One variable of a data section: its VAR type id, offset and size in the section. */
    record VarSecinfo(int type, int offset, int size) {}

    record Datasec(String name, int size, List<VarSecinfo> variables) implements BtfType {
        public int kind() {
            return 15;
        }
    }

    record Float(String name, int size) implements BtfType {
        public int kind() {
            return 16;
        }
    }

    /** A tag on a type, or with {@code componentIndex} ≥ 0 on one member or parameter of it. */
    record DeclTag(String name, int target, int componentIndex) implements BtfType {
        public int kind() {
            return 17;
        }
    }

    record TypeTag(String name, int target) implements BtfType {
        public int kind() {
            return 18;
        }
    }

    /** The uapi name of a kind number, for messages. */
    static String kindName(int kind) {
        return switch (kind) {
            case 0 -> "VOID";
            case 1 -> "INT";
            case 2 -> "PTR";
            case 3 -> "ARRAY";
            case 4 -> "STRUCT";
            case 5 -> "UNION";
            case 6 -> "ENUM";
            case 7 -> "FWD";
            case 8 -> "TYPEDEF";
            case 9 -> "VOLATILE";
            case 10 -> "CONST";
            case 11 -> "RESTRICT";
            case 12 -> "FUNC";
            case 13 -> "FUNC_PROTO";
            case 14 -> "VAR";
            case 15 -> "DATASEC";
            case 16 -> "FLOAT";
            case 17 -> "DECL_TAG";
            case 18 -> "TYPE_TAG";
            case 19 -> "ENUM64";
            default -> "kind " + kind;
        };
    }
}
