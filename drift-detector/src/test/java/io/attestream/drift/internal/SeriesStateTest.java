package io.attestream.drift.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SeriesStateTest {
    @Test
    void roundTripsEveryPartIncludingOpenWindowsAndPageHinkley() {
        SyntheticGenerator g = new SyntheticGenerator(3);
        SeriesState s = new SeriesState();
        s.versions.add("1");
        s.versions.add("2");
        WindowSample ref = WindowSample.of(64, g.sample(500, 0, 1));
        s.lastClean.put("1", new SeriesState.Closed("1", 0, 60, ref.count(), 3, 900, ref));
        s.episodes.put("2", new SeriesState.Episode("ep", "PREVIOUS_VERSION",
                new SeriesState.Closed("1", 0, 60, 500, 3, 900, null), 2));
        SeriesState.Open o = new SeriesState.Open("2", 60, 120, WindowSample.of(64, g.sample(70, 1, 1)));
        o.firstSeq = 901;
        o.lastSeq = 1100;
        o.ph = new PageHinkley(0.25, 0.001);
        for (int i = 0; i < 70; i++) {
            o.ph.add(1.0);
        }
        o.refMean = 0.1;
        o.refSd = 0.9;
        o.earlyAlarmed = true;
        s.open.add(o);
        s.pinned = s.lastClean.get("1");

        SeriesState back = SeriesState.fromBytes(s.toBytes());

        assertThat(back.versions).containsExactly("1", "2");
        SeriesState.Closed c = back.lastClean.get("1");
        assertThat(c.count()).isEqualTo(500);
        assertThat(c.sample().moments().variance()).isEqualTo(ref.moments().variance());
        assertThat(TwoSampleTests.ksStatistic(c.sample().sketch(), ref.sketch())).isZero();
        assertThat(back.episodes.get("2").windows()).isEqualTo(2);
        assertThat(back.episodes.get("2").reference().sample()).isNull();
        SeriesState.Open ob = back.open.get(0);
        assertThat(ob.firstSeq).isEqualTo(901);
        assertThat(ob.lastSeq).isEqualTo(1100);
        assertThat(ob.ph.statistic()).isEqualTo(o.ph.statistic());
        assertThat(ob.ph.count()).isEqualTo(70);
        assertThat(ob.earlyAlarmed).isTrue();
        assertThat(ob.sample.moments().mean()).isEqualTo(o.sample.moments().mean());
        assertThat(back.pinned.version()).isEqualTo("1");
        assertThat(back.toBytes()).isEqualTo(s.toBytes());
    }

    @Test
    void rejectsAnUnknownFormat() {
        byte[] bytes = new SeriesState().toBytes();
        bytes[3] = 9;
        assertThatThrownBy(() -> SeriesState.fromBytes(bytes)).hasMessageContaining("format 9");
    }
}
