package io.bpf4j.cli.pcap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PcapTest {
    @TempDir
    Path dir;

    @Test
    void writtenCaptureReadsBackPacketForPacket() throws IOException {
        List<Packet> packets = new TrafficGenerator(7).generate(200);
        Path f = dir.resolve("t.pcap");
        TrafficGenerator.write(f, packets);
        List<Packet> back = PcapReader.readAll(f);
        assertThat(back).hasSize(packets.size());
        for (int i = 0; i < packets.size(); i++) {
            assertThat(back.get(i).data()).isEqualTo(packets.get(i).data());
            assertThat(back.get(i).timestampNanos()).isEqualTo(packets.get(i).timestampNanos());
        }
    }

    @Test
    void theCommittedSampleIsWhatTheGeneratorWrites() throws IOException {
        // examples/traffic.pcap must be reproducible from the seed, or the README's numbers drift silently
        Path committed = io.bpf4j.cli.CliPaths.root().resolve("examples/traffic.pcap");
        Path fresh = dir.resolve("fresh.pcap");
        TrafficGenerator.write(fresh, new TrafficGenerator(TrafficGenerator.DEFAULT_SEED).generate(TrafficGenerator.DEFAULT_PACKETS));
        assertThat(Files.readAllBytes(fresh)).as("regenerate with examples/build.sh").isEqualTo(Files.readAllBytes(committed));
    }

    @Test
    void microsecondBigEndianClassicPcapIsRead() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + 3).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        b.putInt(10).putInt(5).putInt(3).putInt(60).put(new byte[]{1, 2, 3});
        try (PcapReader r = PcapReader.open("x.pcap", new ByteArrayInputStream(b.array()))) {
            Packet p = r.next();
            assertThat(p.data()).containsExactly(1, 2, 3);
            assertThat(p.originalLength()).isEqualTo(60);
            assertThat(p.timestampNanos()).isEqualTo(10_000_005_000L);
            assertThat(r.next()).isNull();
        }
    }

    @Test
    void pcapngWithEnhancedAndSimplePacketsIsRead() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(block(0x0a0d0d0a, le(0x1a2b3c4d), new byte[]{1, 0, 0, 0}, le(-1), le(-1)));
        // interface: Ethernet, if_tsresol = 9 (nanoseconds)
        out.writeBytes(block(1, new byte[]{1, 0, 0, 0}, le(0), new byte[]{9, 0, 1, 0, 9, 0, 0, 0}, new byte[]{0, 0, 0, 0}));
        out.writeBytes(block(0x0bad, new byte[8])); // a custom block to skip
        long ts = 1_500_000_000_123L;
        out.writeBytes(block(6, le(0), le((int) (ts >>> 32)), le((int) ts), le(5), le(5), new byte[]{9, 8, 7, 6, 5, 0, 0, 0}));
        out.writeBytes(block(3, le(2), new byte[]{4, 2, 0, 0}));
        try (PcapReader r = PcapReader.open("x.pcapng", new ByteArrayInputStream(out.toByteArray()))) {
            assertThat(r.format()).isEqualTo(PcapReader.Format.PCAPNG);
            Packet p = r.next();
            assertThat(p.data()).containsExactly(9, 8, 7, 6, 5);
            assertThat(p.timestampNanos()).isEqualTo(ts);
            assertThat(r.lastLinkType()).isEqualTo(1);
            assertThat(r.next().data()).containsExactly(4, 2);
            assertThat(r.next()).isNull();
        }
    }

    @Test
    void aCaptureThatEndsMidRecordSaysWhichPacketAndWhere() throws IOException {
        Path f = dir.resolve("cut.pcap");
        TrafficGenerator.write(f, new TrafficGenerator(1).generate(5));
        byte[] all = Files.readAllBytes(f);
        Path cut = dir.resolve("cut2.pcap");
        Files.write(cut, Arrays.copyOf(all, all.length - 7));
        assertThatThrownBy(() -> PcapReader.readAll(cut))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("cut2.pcap: packet 5 ends mid-record")
                .hasMessageContaining("truncated");
    }

    @Test
    void somethingElseIsNotMistakenForACapture() throws IOException {
        Path f = dir.resolve("x.o");
        Files.write(f, new byte[]{0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        assertThatThrownBy(() -> PcapReader.readAll(f))
                .isInstanceOf(PcapFormatException.class)
                .hasMessageContaining("not a pcap or pcapng capture (starts with 7f 45 4c 46)");
    }

    private static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static byte[] block(int type, byte[]... parts) {
        int len = 12;
        for (byte[] p : parts) len += p.length;
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putInt(len);
        for (byte[] p : parts) b.put(p);
        b.putInt(len);
        return b.array();
    }
}
