package dev.jlm.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TrainingProgressTest {
    @Test
    void ratesKeepThreeSignificantDigits() {
        assertThat(TrainingProgress.compact(950)).isEqualTo("950");
        assertThat(TrainingProgress.compact(7_608)).isEqualTo("7.61k");
        assertThat(TrainingProgress.compact(13_190)).isEqualTo("13.2k");
        assertThat(TrainingProgress.compact(287_000)).isEqualTo("287k");
        assertThat(TrainingProgress.compact(1_050_000)).isEqualTo("1.05M");
        assertThat(TrainingProgress.compact(12_300_000)).isEqualTo("12.3M");
    }
}
