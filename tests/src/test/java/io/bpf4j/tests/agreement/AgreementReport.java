package io.bpf4j.tests.agreement;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The agreement table (corpus × mode) and the disagreements, as Markdown. */
final class AgreementReport {
    private AgreementReport() {}

    static String markdown(String title, String header, List<Judgement> all) {
        Map<String, List<Judgement>> rows = new LinkedHashMap<>();
        for (Judgement j : all) rows.computeIfAbsent(j.program().corpus() + "\t" + j.mode().label, k -> new ArrayList<>()).add(j);
        StringBuilder b = new StringBuilder();
        b.append("# ").append(title).append("\n\n").append(header).append("\n\n");
        b.append("| corpus | mode | programs | excluded | agree | agree % | both accept | both refuse | bpf4j stricter | bpf4j more permissive: safety | bpf4j more permissive: other | bpf4j crashed |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<Judgement> compared = new ArrayList<>();
        for (var row : rows.entrySet()) {
            String[] key = row.getKey().split("\t");
            line(b, key[0], key[1], row.getValue());
            compared.addAll(row.getValue());
        }
        for (Mode m : Mode.values()) {
            List<Judgement> modelled = compared.stream().filter(j -> j.mode() == m && j.program().fixture() != null
                    && !j.bpf4jMessage().contains("has no context layout") && j.category() != Judgement.Category.EXCLUDED).toList();
            if (!modelled.isEmpty()) line(b, "fixtures of types bpf4j models", m.label, modelled);
        }
        for (Mode m : Mode.values()) {
            List<Judgement> inMode = compared.stream().filter(j -> j.mode() == m).toList();
            if (!inMode.isEmpty()) line(b, "**all**", m.label, inMode);
        }
        line(b, "**all**", "both", compared);
        b.append('\n');
        for (Mode m : Mode.values()) {
            List<Judgement> refused = compared.stream().filter(j -> j.mode() == m && j.category() == Judgement.Category.AGREE_REJECT).toList();
            long same = refused.stream().filter(AgreementReport::sameReason).count();
            b.append("Both refuse, ").append(m.label).append(": ").append(same).append(" of ").append(refused.size())
                    .append(" with bpf4j's reason word for word in the kernel's message.\n");
        }
        b.append('\n');
        List<Judgement> bothRefuse = all.stream().filter(j -> j.category() == Judgement.Category.AGREE_REJECT
                && !j.program().corpus().equals(RandomUnsafePrograms.CORPUS)).toList();
        if (!bothRefuse.isEmpty()) {
            b.append("## both refuse (").append(bothRefuse.size()).append(", random programs left out)\n\n");
            for (Judgement j : bothRefuse) {
                b.append("- ").append(j.program().id()).append(" [").append(j.mode().label).append("] bpf4j: ").append(j.bpf4jMessage().replace("\n", " "))
                        .append(" | kernel: ").append(j.kernel().message().replace("\n", " ")).append('\n');
            }
            b.append('\n');
        }
        for (Judgement.Category c : Judgement.Category.values()) {
            if (c == Judgement.Category.AGREE_ACCEPT || c == Judgement.Category.AGREE_REJECT) continue;
            List<Judgement> list = all.stream().filter(j -> j.category() == c).toList();
            if (list.isEmpty()) continue;
            b.append("## ").append(c.meaning).append(" (").append(list.size()).append(")\n\n");
            if (c == Judgement.Category.BPF4J_MORE_PERMISSIVE_SAFETY) {
                for (KnownDivergences k : KnownDivergences.ALL) {
                    List<Judgement> known = list.stream().filter(j -> KnownDivergences.explain(j) == k).toList();
                    if (known.isEmpty()) continue;
                    b.append("Known divergence (").append(known.size()).append(", ").append(k.mode() == null ? "both modes" : k.mode().label)
                            .append("): ").append(k.rule()).append(".\n\n");
                    for (Judgement j : known) b.append("- ").append(j.describe().replace("\n", " ")).append('\n');
                    b.append('\n');
                }
                List<Judgement> unknown = list.stream().filter(j -> KnownDivergences.explain(j) == null).toList();
                if (!unknown.isEmpty()) b.append("**Not explained — the test fails on these:**\n\n");
                for (Judgement j : unknown) b.append("- ").append(j.describe().replace("\n", " ")).append('\n');
                b.append('\n');
                continue;
            }
            for (Judgement j : list) b.append("- ").append(j.describe().replace("\n", " ")).append('\n');
            b.append('\n');
        }
        return b.toString();
    }

    /**
     * Every judgement as a tab-separated line: corpus, program, type, mode, category, bpf4j's word, the kernel's,
     * and the last lines of the kernel's log (newlines and tabs escaped as \n and \t).
     */
    static String tsv(List<Judgement> all) {
        StringBuilder b = new StringBuilder("corpus\tprogram\ttype\tmode\tcategory\tbpf4j\tkernel\tkernel log tail\n");
        for (Judgement j : all) {
            String bpf4j = j.bpf4jCrash() != null ? "CRASH " + j.bpf4jCrash() : j.bpf4jAccepted() ? "accepted" : "refused: " + j.bpf4jMessage();
            String kernel = j.kernel().isAccepted() ? "accepted" : j.kernel().outcome().name().toLowerCase(Locale.ROOT) + ": " + j.kernel().message();
            b.append(String.join("\t", j.program().corpus(), j.program().id(), j.program().type().name(), j.mode().label,
                    j.category().name(), BatchCodec.escape(bpf4j), BatchCodec.escape(kernel), BatchCodec.escape(j.kernel().logTail())))
                    .append('\n');
        }
        return b.toString();
    }

    /** bpf4j's reason (without its "pc N: ") appears in the kernel's message. */
    static boolean sameReason(Judgement j) {
        String reason = j.bpf4jMessage().replaceFirst("^pc \\d+: ", "").strip();
        return !reason.isEmpty() && j.kernel().message().contains(reason);
    }

    static Map<Judgement.Category, Integer> counts(List<Judgement> js) {
        Map<Judgement.Category, Integer> n = new EnumMap<>(Judgement.Category.class);
        for (Judgement.Category c : Judgement.Category.values()) n.put(c, 0);
        for (Judgement j : js) n.merge(j.category(), 1, Integer::sum);
        return n;
    }

    private static void line(StringBuilder b, String corpus, String mode, List<Judgement> js) {
        Map<Judgement.Category, Integer> n = counts(js);
        int excluded = n.get(Judgement.Category.EXCLUDED);
        int comparedCount = js.size() - excluded;
        int agree = n.get(Judgement.Category.AGREE_ACCEPT) + n.get(Judgement.Category.AGREE_REJECT);
        String pct = comparedCount == 0 ? "–" : String.format(Locale.ROOT, "%.1f", 100.0 * agree / comparedCount);
        b.append("| ").append(corpus).append(" | ").append(mode).append(" | ").append(js.size()).append(" | ").append(excluded)
                .append(" | ").append(agree).append(" | ").append(pct)
                .append(" | ").append(n.get(Judgement.Category.AGREE_ACCEPT)).append(" | ").append(n.get(Judgement.Category.AGREE_REJECT))
                .append(" | ").append(n.get(Judgement.Category.BPF4J_STRICTER))
                .append(" | ").append(n.get(Judgement.Category.BPF4J_MORE_PERMISSIVE_SAFETY))
                .append(" | ").append(n.get(Judgement.Category.BPF4J_MORE_PERMISSIVE_OTHER))
                .append(" | ").append(n.get(Judgement.Category.BPF4J_CRASH)).append(" |\n");
    }
}
